<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>Exchange</name>
    <message>
        <location filename="../../ui/exchange.py" line="72"/>
        <source>Export FHIR R4 (JSON)…</source>
        <extracomment>What the menu does: the chart&apos;s three exports, a claim, an import. The chart&apos;s exports: key → (file name part, extension, the menu&apos;s text).</extracomment>
        <translation>Xuất FHIR R4 (JSON)…</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="73"/>
        <source>Export MoH medical record (XML)…</source>
        <translation>Xuất hồ sơ bệnh án BYT (XML)…</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="77"/>
        <source>Export MoH medical record (JSON)…</source>
        <translation>Xuất hồ sơ bệnh án BYT (JSON)…</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="81"/>
        <source>JSON files (*.json)</source>
        <translation>Tệp JSON (*.json)</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="82"/>
        <source>XML files (*.xml)</source>
        <translation>Tệp XML (*.xml)</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="85"/>
        <source>found by the citizen ID (CCCD)</source>
        <translation>tìm theo số CCCD</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="86"/>
        <source>found by the health insurance card (BHYT)</source>
        <translation>tìm theo số thẻ BHYT</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="87"/>
        <source>this chart, chosen by you (no CCCD or BHYT match)</source>
        <translation>hồ sơ này, do bạn chọn (không trùng CCCD hay BHYT)</translation>
    </message>
</context>
<context>
    <name>ExchangeButton</name>
    <message>
        <location filename="../../ui/exchange.py" line="296"/>
        <source>E&amp;xchange</source>
        <extracomment>An export was written to this file. A claim was refused (the ValidationError naming the table and field): nothing written. An import&apos;s plan is on screen (the dialog). Records were imported (the `ImportReport`).</extracomment>
        <translation>Tr&amp;ao đổi</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="297"/>
        <source>Export this chart or a claim, import records from elsewhere</source>
        <translation>Xuất hồ sơ này hoặc hồ sơ thanh toán BHYT, nhập hồ sơ từ cơ sở khác</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="330"/>
        <source>BHYT claim (XML 130)</source>
        <translation>Hồ sơ thanh toán BHYT (XML 130)</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="333"/>
        <source>No finished encounter</source>
        <translation>Chưa có lượt khám nào kết thúc</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="335"/>
        <source>{date} — {kind}…</source>
        <translation>{date} — {kind}…</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="347"/>
        <source>Import FHIR records from another facility…</source>
        <translation>Nhập hồ sơ FHIR từ cơ sở khác…</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="362"/>
        <source>Export to</source>
        <translation>Xuất ra tệp</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="416"/>
        <source>Exported to {file} ({size} bytes).</source>
        <translation>Đã xuất ra {file} ({size} byte).</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="434"/>
        <source>BHYT claim refused</source>
        <translation>Không lập được hồ sơ thanh toán BHYT</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="435"/>
        <source>The claim cannot be made; nothing was written. Fix this first:</source>
        <translation>Chưa lập được hồ sơ thanh toán; không ghi tệp nào. Cần sửa trước:</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="452"/>
        <source>Import a FHIR Bundle</source>
        <translation>Nhập gói hồ sơ FHIR</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="454"/>
        <source>FHIR Bundle (*.json);;All files (*)</source>
        <translation>Gói hồ sơ FHIR (*.json);;Mọi tệp (*)</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="481"/>
        <source>Imported {count} records into the chart.</source>
        <translation>Đã nhập {count} bản ghi vào hồ sơ.</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <location filename="../../ui/exchange.py" line="555"/>
        <source>Import records from another facility</source>
        <translation>Nhập hồ sơ từ cơ sở khác</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="557"/>
        <source>From:</source>
        <translation>Nguồn:</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="558"/>
        <source>Patient in the file:</source>
        <translation>Bệnh nhân trong tệp:</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="559"/>
        <source>Into the chart:</source>
        <translation>Vào hồ sơ:</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="560"/>
        <source>Differences:</source>
        <translation>Khác biệt:</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="561"/>
        <source>Records:</source>
        <translation>Bản ghi:</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="562"/>
        <source>By type:</source>
        <translation>Theo loại:</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="566"/>
        <source>Your &amp;password (signs the import):</source>
        <translation>&amp;Mật khẩu của bạn (ký xác nhận nhập):</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="567"/>
        <source>&amp;Import</source>
        <translation>&amp;Nhập</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="569"/>
        <source>I have checked: the file is this patient&apos;s despite the differences</source>
        <translation>Tôi đã kiểm tra: tệp là của bệnh nhân này dù có khác biệt</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="581"/>
        <source>{name}{code}, sent {when}</source>
        <translation>{name}{code}, gửi lúc {when}</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="602"/>
        <source>none found</source>
        <translation>không tìm thấy</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="609"/>
        <source>{new} new, {updated} updated at the source, {unchanged} already in the chart</source>
        <translation>{new} mới, {updated} được cập nhật tại nơi gửi, {unchanged} đã có trong hồ sơ</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="615"/>
        <source>not imported: {types}</source>
        <translation>không nhập: {types}</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="619"/>
        <source>The file&apos;s patient is another chart ({mrn}): open that chart to import it.</source>
        <translation>Bệnh nhân trong tệp là hồ sơ khác ({mrn}): mở hồ sơ đó để nhập.</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="622"/>
        <source>No chart to import into.</source>
        <translation>Không có hồ sơ để nhập vào.</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="624"/>
        <source>Everything in this file is already in the chart.</source>
        <translation>Mọi bản ghi trong tệp đã có trong hồ sơ.</translation>
    </message>
    <message>
        <location filename="../../ui/exchange.py" line="627"/>
        <source>The records are kept read-only, with their source, signed by you as imported.</source>
        <translation>Các bản ghi được lưu chỉ đọc, kèm nơi gửi, do bạn ký xác nhận đã nhập.</translation>
    </message>
</context>
</TS>
