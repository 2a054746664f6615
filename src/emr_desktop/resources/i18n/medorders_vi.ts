<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>MedicationOrdersModel</name>
    <message>
        <location filename="../../ui/chart/medorders.py" line="78"/>
        <source>active</source>
        <extracomment>The clock of this tab (start date, the moment of a stop); tests pin it. Clock times of the doses for N times a day, as the wards give them. The schedule choice &quot;as needed&quot;.</extracomment>
        <translation>đang dùng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="79"/>
        <source>stopped</source>
        <translation>đã ngừng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="80"/>
        <source>completed</source>
        <translation>đã hết hạn</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="81"/>
        <source>draft</source>
        <translation>bản nháp</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="137"/>
        <source>Drug</source>
        <translation>Thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="138"/>
        <source>Dose</source>
        <translation>Liều</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="139"/>
        <source>Route</source>
        <translation>Đường dùng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="140"/>
        <source>Times</source>
        <translation>Giờ dùng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="141"/>
        <source>Start</source>
        <translation>Bắt đầu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="142"/>
        <source>Days</source>
        <translation>Số ngày</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="143"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="144"/>
        <source>Doctor</source>
        <translation>Bác sĩ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="185"/>
        <source>as needed</source>
        <translation>khi cần</translation>
    </message>
</context>
<context>
    <name>MedicationOrdersTab</name>
    <message>
        <location filename="../../ui/chart/medorders.py" line="355"/>
        <source>&lt;b&gt;New medication order&lt;/b&gt;</source>
        <extracomment>What the signature panel confirms: (&quot;order&quot;, &quot;&quot;) or (&quot;stop&quot;, order id). Allergies recorded on the chart that concern the drugs found, by drug code. The allergy concerning the chosen drug: said in red beside it.</extracomment>
        <translation>&lt;b&gt;Y lệnh thuốc mới&lt;/b&gt;</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="357"/>
        <source>&amp;Drug:</source>
        <translation>&amp;Thuốc:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="358"/>
        <source>D&amp;ose, unit:</source>
        <translation>&amp;Liều, đơn vị:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="359"/>
        <source>&amp;Route:</source>
        <translation>Đường &amp;dùng:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="360"/>
        <source>Sc&amp;hedule:</source>
        <translation>&amp;Giờ dùng:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="361"/>
        <source>S&amp;tart:</source>
        <translation>&amp;Bắt đầu:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="362"/>
        <source>&amp;Instructions:</source>
        <translation>&amp;Hướng dẫn:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="366"/>
        <source>for &amp;days:</source>
        <translation>trong &amp;số ngày:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="367"/>
        <source>Name or active ingredient, accents optional</source>
        <translation>Tên thuốc hoặc hoạt chất, gõ có dấu hoặc không dấu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="368"/>
        <source>e.g. 1 or 0,5</source>
        <translation>ví dụ 1 hoặc 0,5</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="369"/>
        <source>Clock times, e.g. 08:00, 20:00</source>
        <translation>Giờ dùng, ví dụ 08:00, 20:00</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="370"/>
        <source>e.g. after meals, infuse over 30 min</source>
        <translation>ví dụ uống sau ăn, truyền trong 30 phút</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="371"/>
        <source>&amp;Sign order…</source>
        <translation>&amp;Ký y lệnh…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="372"/>
        <source>Clear</source>
        <translation>Xóa trắng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="373"/>
        <source>S&amp;top order…</source>
        <translation>&amp;Ngừng thuốc…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="386"/>
        <source>{count}× a day</source>
        <translation>Ngày {count} lần</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="387"/>
        <source>As needed (PRN)</source>
        <translation>Khi cần (PRN)</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="414"/>
        <source>Only doctors order medications; your role may read the orders.</source>
        <translation>Chỉ bác sĩ được ra y lệnh thuốc; vai trò của bạn chỉ được xem y lệnh.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="417"/>
        <source>The patient has no visit or stay in progress: admit the patient to order medications.</source>
        <translation>Người bệnh không có lượt khám hoặc đợt điều trị đang diễn ra: cần nhập viện trước khi ra y lệnh thuốc.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/medorders.py" line="425"/>
        <source>%n medication order(s)</source>
        <translation>
            <numerusform>%n y lệnh thuốc</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="435"/>
        <source>Select an order to see it or stop it.</source>
        <translation>Chọn một y lệnh để xem hoặc ngừng thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="440"/>
        <location filename="../../ui/chart/medorders.py" line="617"/>
        <source>as needed</source>
        <translation>khi cần</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="442"/>
        <location filename="../../ui/chart/medorders.py" line="619"/>
        <source>at {times}</source>
        <translation>lúc {times}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="451"/>
        <source>From {start} for {days} day(s)</source>
        <translation>Từ {start}, trong {days} ngày</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="530"/>
        <source>Drug: {name} ({form})</source>
        <translation>Thuốc: {name} ({form})</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="527"/>
        <source>No drug chosen yet.</source>
        <translation>Chưa chọn thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="533"/>
        <source>ALLERGY recorded: {substance} ({reaction}).</source>
        <translation>CÓ TIỀN SỬ DỊ ỨNG: {substance} ({reaction}).</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="622"/>
        <source>Sign the order: {drug} {dose} {unit}, {schedule}, {days} day(s).</source>
        <translation>Ký y lệnh: {drug} {dose} {unit}, {schedule}, {days} ngày.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="629"/>
        <source>Sign order</source>
        <translation>Ký y lệnh</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="639"/>
        <source>Stop {drug} from now: no dose is given after this.</source>
        <translation>Ngừng {drug} từ bây giờ: sau thời điểm này không dùng thêm liều nào.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="642"/>
        <source>Stop order</source>
        <translation>Ngừng thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="708"/>
        <source>Medication order signed: it is on the nurses&apos; worklist.</source>
        <translation>Đã ký y lệnh thuốc: y lệnh đã vào danh sách thực hiện của điều dưỡng.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/medorders.py" line="714"/>
        <source>Medication order stopped.</source>
        <translation>Đã ngừng y lệnh thuốc.</translation>
    </message>
</context>
</TS>
