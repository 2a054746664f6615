<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>ChartBanner</name>
    <message>
        <location filename="../../ui/chart/banner.py" line="158"/>
        <source>born {date}</source>
        <translation>sinh {date}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="160"/>
        <source>MRN {mrn}</source>
        <translation>Mã BN {mrn}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="162"/>
        <source>CCCD {number}</source>
        <translation>CCCD {number}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="172"/>
        <source>Unidentified patient</source>
        <translation>Bệnh nhân chưa rõ danh tính</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="174"/>
        <source>Identity not yet verified</source>
        <translation>Chưa xác minh danh tính</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="180"/>
        <source>No health insurance (BHYT) card</source>
        <translation>Không có thẻ BHYT</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="184"/>
        <source>BHYT {number}</source>
        <translation>BHYT {number}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="187"/>
        <source>expired on {date}</source>
        <translation>hết hạn ngày {date}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="190"/>
        <source>valid only from {date}</source>
        <translation>chỉ có giá trị từ ngày {date}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="193"/>
        <source>valid until {date}</source>
        <translation>có giá trị đến {date}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="195"/>
        <source>validity not recorded</source>
        <translation>chưa ghi hạn thẻ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="202"/>
        <source>No allergies recorded</source>
        <translation>Chưa ghi nhận dị ứng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="209"/>
        <source>ALLERGIES: {list}</source>
        <translation>DỊ ỨNG: {list}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="215"/>
        <source>No visit or stay in progress</source>
        <translation>Không có lượt khám/điều trị đang mở</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="223"/>
        <source>{department}, bed {bed}</source>
        <translation>{department}, giường {bed}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="228"/>
        <source>since {time}</source>
        <translation>từ {time}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/banner.py" line="234"/>
        <source>The record you opened was merged into this chart.</source>
        <translation>Hồ sơ bạn mở đã được gộp vào hồ sơ này.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/banner.py" line="237"/>
        <source>This chart includes %n merged record(s).</source>
        <translation>
            <numerusform>Hồ sơ này gồm cả %n hồ sơ đã gộp.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ChartView</name>
    <message>
        <location filename="../../ui/chart/view.py" line="140"/>
        <source>Timeline</source>
        <translation>Dòng thời gian</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="141"/>
        <source>Allergies &amp;&amp; problems</source>
        <translation>Dị ứng &amp;&amp; bệnh mạn tính</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="142"/>
        <source>Encounters</source>
        <translation>Lượt khám/điều trị</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="143"/>
        <source>Vital signs</source>
        <translation>Sinh hiệu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="144"/>
        <source>Notes</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="145"/>
        <source>Diagnoses</source>
        <translation>Chẩn đoán</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="146"/>
        <source>Orders &amp;&amp; results</source>
        <translation>Chỉ định &amp;&amp; kết quả</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="147"/>
        <source>Prescriptions</source>
        <translation>Đơn thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="148"/>
        <source>Medication orders</source>
        <translation>Y lệnh thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="149"/>
        <source>Documents</source>
        <translation>Tài liệu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="155"/>
        <location filename="../../ui/chart/view.py" line="165"/>
        <source>Loading chart…</source>
        <translation>Đang mở hồ sơ…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/view.py" line="164"/>
        <source>Chart unavailable</source>
        <translation>Không mở được hồ sơ</translation>
    </message>
</context>
<context>
    <name>DocumentsModel</name>
    <message>
        <location filename="../../ui/chart/documents.py" line="69"/>
        <source>Title</source>
        <translation>Tên tài liệu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="70"/>
        <source>Type</source>
        <translation>Loại tệp</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="71"/>
        <source>Size</source>
        <translation>Dung lượng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="72"/>
        <source>Added</source>
        <translation>Ngày đính kèm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="73"/>
        <source>Added by</source>
        <translation>Người đính kèm</translation>
    </message>
</context>
<context>
    <name>DocumentsTab</name>
    <message>
        <location filename="../../ui/chart/documents.py" line="304"/>
        <source>Title, e.g. referral letter from the commune</source>
        <translation>Tên tài liệu, ví dụ: giấy chuyển tuyến của trạm y tế xã</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="305"/>
        <source>&amp;Attach a file…</source>
        <translation>Đính &amp;kèm tệp…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="306"/>
        <source>&amp;View</source>
        <translation>&amp;Xem</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="307"/>
        <source>Save a &amp;copy…</source>
        <translation>Lưu &amp;bản sao…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="308"/>
        <source>Select a document and press View.</source>
        <translation>Chọn một tài liệu rồi bấm Xem.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="311"/>
        <source>This kind of file cannot be shown here. Save a copy to open it with another program.</source>
        <translation>Không xem được loại tệp này tại đây. Hãy lưu bản sao để mở bằng chương trình khác.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="348"/>
        <source>Attach a document</source>
        <translation>Đính kèm tài liệu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="352"/>
        <source>Documents (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.txt)</source>
        <translation>Tài liệu (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.txt)</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="353"/>
        <source>All files (*)</source>
        <translation>Tất cả các tệp (*)</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="382"/>
        <source>Document attached to the chart.</source>
        <translation>Đã đính kèm tài liệu vào hồ sơ.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="463"/>
        <source>Save a copy of the document</source>
        <translation>Lưu bản sao tài liệu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/documents.py" line="485"/>
        <source>A copy of the document was saved.</source>
        <translation>Đã lưu bản sao tài liệu.</translation>
    </message>
</context>
<context>
    <name>EncountersModel</name>
    <message>
        <location filename="../../ui/chart/encounters.py" line="69"/>
        <source>Kind</source>
        <translation>Loại</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="70"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="71"/>
        <source>Started</source>
        <translation>Bắt đầu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="72"/>
        <source>Ended</source>
        <translation>Kết thúc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="73"/>
        <source>Department</source>
        <translation>Khoa</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="74"/>
        <source>Reason</source>
        <translation>Lý do</translation>
    </message>
</context>
<context>
    <name>EncountersTab</name>
    <message>
        <location filename="../../ui/chart/encounters.py" line="306"/>
        <source>Start &amp;visit</source>
        <translation>Tiếp nhận &amp;khám</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="307"/>
        <source>&amp;Admit</source>
        <translation>&amp;Nhập viện</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="308"/>
        <source>&amp;Transfer</source>
        <translation>&amp;Chuyển khoa</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="309"/>
        <source>&amp;Discharge / end visit</source>
        <translation>&amp;Ra viện / kết thúc khám</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="311"/>
        <source>Kind of visit</source>
        <translation>Hình thức khám</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="312"/>
        <source>Department</source>
        <translation>Khoa</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="313"/>
        <source>Bed</source>
        <translation>Giường</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="314"/>
        <source>Reason</source>
        <translation>Lý do</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="315"/>
        <source>Treatment result</source>
        <translation>Kết quả điều trị</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="316"/>
        <source>Discharge type</source>
        <translation>Loại ra viện</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="317"/>
        <source>Ended at</source>
        <translation>Thời điểm kết thúc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="321"/>
        <source>e.g. fever for 3 days</source>
        <translation>ví dụ: sốt 3 ngày</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="322"/>
        <source>Save</source>
        <translation>Lưu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="323"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="325"/>
        <source>No department is set up for this. Ask the IT staff to add the departments.</source>
        <translation>Chưa khai báo khoa nào cho việc này. Đề nghị cán bộ CNTT thêm danh mục khoa.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="424"/>
        <source>Start a visit</source>
        <translation>Tiếp nhận khám</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="425"/>
        <source>Admit the patient</source>
        <translation>Nhập viện</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="426"/>
        <source>Transfer to another department or bed</source>
        <translation>Chuyển khoa hoặc chuyển giường</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="427"/>
        <source>Discharge / end the visit</source>
        <translation>Ra viện / kết thúc lượt khám</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="459"/>
        <source>(not specified)</source>
        <translation>(không ghi)</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="473"/>
        <source>(no bed yet)</source>
        <translation>(chưa xếp giường)</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="479"/>
        <source>Bed {code}</source>
        <translation>Giường {code}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="483"/>
        <source>Bed {code} (taken: shared bed)</source>
        <translation>Giường {code} (đã có người: nằm ghép)</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="498"/>
        <source>Choose a department</source>
        <translation>Chọn khoa</translation>
    </message>
    <message>
        <location filename="../../ui/chart/encounters.py" line="501"/>
        <source>Select the visit or stay in the list first</source>
        <translation>Hãy chọn lượt khám/điều trị trong danh sách trước</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <location filename="../../ui/chart/timeline.py" line="45"/>
        <source>T</source>
        <translation>T°</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="46"/>
        <source>P</source>
        <translation>M</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="47"/>
        <source>RR</source>
        <translation>NT</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="48"/>
        <source>SpO₂</source>
        <translation>SpO₂</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="49"/>
        <source>Wt</source>
        <translation>CN</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="50"/>
        <source>Ht</source>
        <translation>CC</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="51"/>
        <source>BG</source>
        <translation>ĐH</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="54"/>
        <source>given</source>
        <translation>đã dùng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="55"/>
        <source>held</source>
        <translation>tạm hoãn</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="56"/>
        <source>refused</source>
        <translation>người bệnh từ chối</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="57"/>
        <source>missed</source>
        <translation>bỏ lỡ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="60"/>
        <source>urgent</source>
        <translation>khẩn</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="61"/>
        <source>stat</source>
        <translation>cấp cứu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="66"/>
        <source>imported</source>
        <extracomment>Records imported from another facility&apos;s FHIR Bundle: read-only, shown with their origin.</extracomment>
        <translation>đã nhập</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="72"/>
        <source>Time</source>
        <translation>Thời gian</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="73"/>
        <source>Entry</source>
        <translation>Loại ghi nhận</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="74"/>
        <source>Summary</source>
        <translation>Nội dung</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="75"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="76"/>
        <source>Author</source>
        <translation>Người ghi</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="101"/>
        <source>BP</source>
        <translation>HA</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="116"/>
        <source>bed {code}</source>
        <translation>giường {code}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="133"/>
        <source>(secondary)</source>
        <translation>(bệnh kèm theo)</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="183"/>
        <source>Source: {source}, imported {date} by {user}</source>
        <translation>Nguồn: {source}, nhập ngày {date} bởi {user}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="187"/>
        <source>signed there by {author}</source>
        <translation>người ký tại nơi gửi: {author}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="199"/>
        <source>cured</source>
        <translation>khỏi</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="200"/>
        <source>improved</source>
        <translation>đỡ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="201"/>
        <source>unchanged</source>
        <translation>không thay đổi</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="202"/>
        <source>worse</source>
        <translation>nặng hơn</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="203"/>
        <source>died in hospital</source>
        <translation>tử vong tại cơ sở KBCB</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="204"/>
        <source>grave prognosis, taken home</source>
        <translation>tiên lượng nặng xin về</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="205"/>
        <source>not determined</source>
        <translation>chưa xác định</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="206"/>
        <source>died outside hospital</source>
        <translation>tử vong ngoại viện</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="209"/>
        <source>discharged</source>
        <translation>ra viện</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="210"/>
        <source>transferred to another facility (medical reasons)</source>
        <translation>chuyển tuyến theo yêu cầu chuyên môn</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="211"/>
        <source>left without permission</source>
        <translation>trốn viện</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="212"/>
        <source>left at own request</source>
        <translation>xin ra viện</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="213"/>
        <source>transferred to another facility (at own request)</source>
        <translation>chuyển tuyến theo yêu cầu người bệnh</translation>
    </message>
    <message>
        <location filename="../../ui/chart/timeline.py" line="344"/>
        <source>{status} (amended)</source>
        <translation>{status} (đã đính chính)</translation>
    </message>
</context>
<context>
    <name>TimelineTab</name>
    <message>
        <location filename="../../ui/chart/timeline.py" line="413"/>
        <source>&amp;Show:</source>
        <translation>&amp;Hiển thị:</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/timeline.py" line="439"/>
        <source>All entries (%n)</source>
        <translation>
            <numerusform>Tất cả (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/timeline.py" line="453"/>
        <source>%n entries shown</source>
        <translation>
            <numerusform>Đang hiển thị %n mục</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>VitalsTab</name>
    <message>
        <location filename="../../ui/chart/vitals.py" line="86"/>
        <source>blood pressure</source>
        <translation>huyết áp</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="89"/>
        <source>Whole record</source>
        <translation>Toàn bộ hồ sơ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="90"/>
        <source>Last 7 days</source>
        <translation>7 ngày gần nhất</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="91"/>
        <source>Last 30 days</source>
        <translation>30 ngày gần nhất</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="92"/>
        <source>Last 12 months</source>
        <translation>12 tháng gần nhất</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="254"/>
        <source>Record vital signs</source>
        <translation>Ghi sinh hiệu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="259"/>
        <source>Measured at</source>
        <translation>Thời điểm đo</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="260"/>
        <source>Sign now (password)</source>
        <translation>Ký ngay (mật khẩu)</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="261"/>
        <source>optional: leave empty to keep as draft</source>
        <translation>không bắt buộc: để trống thì lưu bản nháp</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="262"/>
        <source>&amp;Save vital signs</source>
        <translation>&amp;Lưu sinh hiệu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="263"/>
        <source>Clear</source>
        <translation>Xóa trắng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="264"/>
        <source>Your role can read vital signs but not record them.</source>
        <translation>Vai trò của bạn chỉ được xem, không được ghi sinh hiệu.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="372"/>
        <source>Vital signs recorded and signed.</source>
        <translation>Đã ghi và ký sinh hiệu.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="374"/>
        <source>Vital signs recorded (draft, not signed).</source>
        <translation>Đã ghi sinh hiệu (bản nháp, chưa ký).</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="471"/>
        <source>No readings of {measure} in this period.</source>
        <translation>Không có số đo {measure} trong khoảng thời gian này.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/vitals.py" line="474"/>
        <source>%n reading(s).</source>
        <translation>
            <numerusform>%n lần đo.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="476"/>
        <source>The shaded band is the normal range for adults.</source>
        <translation>Dải tô màu là giới hạn bình thường của người lớn.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="478"/>
        <source>No normal band is shaded: the adult range does not apply.</source>
        <translation>Không tô dải bình thường: giới hạn của người lớn không áp dụng cho trẻ em.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/vitals.py" line="489"/>
        <source>normal {measure}</source>
        <translation>{measure} bình thường</translation>
    </message>
</context>
</TS>
