<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>AdministrationPanel</name>
    <message>
        <location filename="../../ui/nursing/administer.py" line="266" />
        <source>Outcome</source>
        <extracomment>The administration was written (the event recorded). The nurse closed the panel without recording.</extracomment>
        <translation>Kết quả</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="267" />
        <source>&amp;Dose given</source>
        <translation>&amp;Liều đã dùng</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="268" />
        <source>&amp;Site</source>
        <translation>&amp;Vị trí tiêm</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="269" />
        <source>&amp;Reason</source>
        <translation>Lý d&amp;o</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="270" />
        <source>&amp;Time</source>
        <translation>Thời &amp;gian</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="271" />
        <source>Nurse</source>
        <translation>Điều dưỡng</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="272" />
        <source>Sign now (&amp;password)</source>
        <translation>Ký ngay (&amp;mật khẩu)</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="273" />
        <source>optional: leave empty to keep as draft</source>
        <translation>không bắt buộc: để trống thì lưu dạng nháp</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="275" />
        <source>To record it anyway, write why (the override is logged):</source>
        <translation>Nếu vẫn ghi, nhập lý do (việc ghi đè được lưu vết):</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="278" />
        <source>e.g. the first record was made in error; doctor confirmed</source>
        <translation>VD: lần ghi trước bị nhầm; bác sĩ đã xác nhận</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="280" />
        <source>Record anyway (override)</source>
        <translation>Vẫn ghi (ghi đè)</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="281" />
        <source>Record</source>
        <translation>Ghi nhận</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="282" />
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="378" />
        <source>optional</source>
        <translation>không bắt buộc</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="378" />
        <source>required: why the dose was not given</source>
        <translation>bắt buộc: lý do không dùng thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="389" />
        <source>Scan the wristband, then the drug.</source>
        <translation>Quét vòng tay, rồi quét thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="395" />
        <source>bed {bed}</source>
        <translation>giường {bed}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="399" />
        <source>when needed</source>
        <translation>khi cần</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="401" />
        <source>due {time}</source>
        <translation>giờ dùng {time}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="411" />
        <source>✓ Wristband scanned: right patient.</source>
        <translation>✓ Đã quét vòng tay: đúng bệnh nhân.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="415" />
        <source>Wristband not scanned: scan it to confirm the patient before giving.</source>
        <translation>Chưa quét vòng tay: quét để xác nhận đúng bệnh nhân trước khi dùng thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="419" />
        <source>{outcome} at {time} by {nurse}</source>
        <translation>{outcome} lúc {time}, người ghi: {nurse}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="427" />
        <source>Already recorded: {list}</source>
        <translation>Đã ghi trước đó: {list}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="442" />
        <source>Write why the dose is recorded again.</source>
        <translation>Nhập lý do ghi lại liều này.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="459" />
        <source>Enter the amount given, above 0.</source>
        <translation>Nhập liều đã dùng, lớn hơn 0.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="465" />
        <source>More than the {ordered} ordered: check the order.</source>
        <translation>Vượt liều y lệnh {ordered}: kiểm tra lại y lệnh.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="474" />
        <source>Give the reason the dose was not given.</source>
        <translation>Ghi lý do không dùng thuốc.</translation>
    </message>
</context>
<context>
    <name>HandoverModel</name>
    <message>
        <location filename="../../ui/nursing/handover.py" line="113" />
        <source>as-needed drug</source>
        <extracomment>Local start of each shift, in the order of the day.</extracomment>
        <translation>thuốc dùng khi cần</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="154" />
        <source>Bed</source>
        <translation>Giường</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="155" />
        <source>Patient</source>
        <translation>Bệnh nhân</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="156" />
        <source>Given</source>
        <translation>Đã dùng</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="157" />
        <source>Held</source>
        <translation>Tạm hoãn</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="158" />
        <source>Refused</source>
        <translation>Từ chối</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="159" />
        <source>Missed</source>
        <translation>Bỏ lỡ</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="160" />
        <source>Still overdue</source>
        <translation>Còn quá giờ</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="161" />
        <source>As needed</source>
        <translation>Khi cần</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="162" />
        <source>Orders new / stopped</source>
        <translation>Y lệnh mới / ngừng</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="163" />
        <source>Latest vital signs</source>
        <translation>Dấu hiệu sinh tồn gần nhất</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="233" />
        <source>New: {drug}</source>
        <translation>Mới: {drug}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="237" />
        <source>Stopped: {drug}</source>
        <translation>Ngừng: {drug}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="248" />
        <source>no bed yet</source>
        <translation>chưa có giường</translation>
    </message>
</context>
<context>
    <name>HandoverView</name>
    <message>
        <location filename="../../ui/nursing/handover.py" line="333" />
        <source>◀ Previous shift</source>
        <translation>◀ Ca trước</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="334" />
        <source>Current shift</source>
        <translation>Ca hiện tại</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="335" />
        <source>Next shift ▶</source>
        <translation>Ca sau ▶</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="336" />
        <source>Copy as text</source>
        <translation>Sao chép dạng văn bản</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="392" />
        <source>Shift {shift}</source>
        <translation>Ca {shift}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="397" />
        <source>Choose a ward on the worklist.</source>
        <translation>Chọn khoa ở danh sách thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="399" />
        <source>Reading…</source>
        <translation>Đang đọc…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/handover.py" line="406" />
        <source>%n given</source>
        <translation><numerusform>%n đã dùng</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/handover.py" line="407" />
        <source>%n held</source>
        <translation><numerusform>%n tạm hoãn</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/handover.py" line="408" />
        <source>%n refused</source>
        <translation><numerusform>%n từ chối</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/handover.py" line="409" />
        <source>%n missed</source>
        <translation><numerusform>%n bỏ lỡ</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/handover.py" line="410" />
        <source>%n still overdue</source>
        <translation><numerusform>%n còn quá giờ</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/handover.py" line="411" />
        <source>%n as-needed dose(s) given</source>
        <translation><numerusform>%n liều khi cần đã dùng</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/handover.py" line="413" />
        <source>%n patient(s)</source>
        <translation><numerusform>%n bệnh nhân</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="423" />
        <source>Shift handover {shift}</source>
        <translation>Bàn giao ca {shift}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="430" />
        <source>no bed yet</source>
        <translation>chưa có giường</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="433" />
        <source>Given: {list}</source>
        <translation>Đã dùng: {list}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="434" />
        <source>Held: {list}</source>
        <translation>Tạm hoãn: {list}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="435" />
        <source>Refused: {list}</source>
        <translation>Từ chối: {list}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="436" />
        <source>Missed: {list}</source>
        <translation>Bỏ lỡ: {list}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="437" />
        <source>Still overdue: {list}</source>
        <translation>Còn quá giờ: {list}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="444" />
        <source>As needed: {list}</source>
        <translation>Khi cần: {list}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="447" />
        <source>New orders: {list}</source>
        <translation>Y lệnh mới: {list}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="450" />
        <source>Stopped orders: {list}</source>
        <translation>Y lệnh ngừng: {list}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="454" />
        <source>Vital signs ({time}): {values}</source>
        <translation>Dấu hiệu sinh tồn ({time}): {values}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/handover.py" line="465" />
        <source>The handover was copied: paste it where it is needed.</source>
        <translation>Đã sao chép nội dung bàn giao: dán vào nơi cần dùng.</translation>
    </message>
</context>
<context>
    <name>MarModel</name>
    <message>
        <location filename="../../ui/nursing/mar.py" line="55" />
        <source>Drug</source>
        <translation>Thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="56" />
        <source>As needed</source>
        <translation>Khi cần</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="78" />
        <source>{outcome} at {time} by {nurse}</source>
        <translation>{outcome} lúc {time}, người ghi: {nurse}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="91" />
        <source>wristband not scanned</source>
        <translation>chưa quét vòng tay</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="93" />
        <source>not signed</source>
        <translation>chưa ký</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="200" />
        <source>stopped</source>
        <translation>đã ngừng</translation>
    </message>
</context>
<context>
    <name>MarView</name>
    <message>
        <location filename="../../ui/nursing/mar.py" line="276" />
        <source>◀ Previous day</source>
        <translation>◀ Ngày trước</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="277" />
        <source>Next day ▶</source>
        <translation>Ngày sau ▶</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="278" />
        <source>Today</source>
        <translation>Hôm nay</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="281" />
        <source>✓ given (with the time); held, refused, missed: not given, the reason in the tooltip; due, overdue: still to give.</source>
        <translation>✓ đã dùng (kèm giờ); tạm hoãn, từ chối, bỏ lỡ: không dùng, lý do hiện khi trỏ chuột vào ô; đến giờ, quá giờ: còn phải dùng.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="353" />
        <source>Choose a patient to see the medication record.</source>
        <translation>Chọn bệnh nhân để xem phiếu theo dõi dùng thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="355" />
        <source>Reading…</source>
        <translation>Đang đọc…</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/mar.py" line="357" />
        <source>No medication on this day.</source>
        <translation>Không dùng thuốc trong ngày này.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/mar.py" line="359" />
        <source>%n drug(s) on this day.</source>
        <translation><numerusform>%n thuốc trong ngày này.</numerusform></translation>
    </message>
</context>
<context>
    <name>Nursing</name>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="31" />
        <source>overdue</source>
        <extracomment>Point size of the worklist and the administration panel: readable from a step away. Point size of the refusal banner (wrong patient, wrong drug).</extracomment>
        <translation>quá giờ</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="32" />
        <source>due now</source>
        <translation>đến giờ</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="33" />
        <source>upcoming</source>
        <translation>sắp tới</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="34" />
        <source>given</source>
        <translation>đã dùng</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="35" />
        <source>partly given</source>
        <translation>dùng một phần</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="36" />
        <source>held</source>
        <translation>tạm hoãn</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="37" />
        <source>refused</source>
        <translation>từ chối</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="38" />
        <source>missed</source>
        <translation>bỏ lỡ</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="39" />
        <source>when needed</source>
        <translation>khi cần</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="57" />
        <source>left deltoid (upper arm)</source>
        <extracomment>Background and text colour of each status (high contrast). Injection sites offered (stored as these codes; anything typed is stored as typed).</extracomment>
        <translation>cơ delta trái (cánh tay)</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="58" />
        <source>right deltoid (upper arm)</source>
        <translation>cơ delta phải (cánh tay)</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="59" />
        <source>left buttock</source>
        <translation>mông trái</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="60" />
        <source>right buttock</source>
        <translation>mông phải</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="61" />
        <source>left thigh</source>
        <translation>đùi trái</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="62" />
        <source>right thigh</source>
        <translation>đùi phải</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="63" />
        <source>abdomen</source>
        <translation>bụng</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="64" />
        <source>left forearm</source>
        <translation>cẳng tay trái</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="65" />
        <source>right forearm</source>
        <translation>cẳng tay phải</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="66" />
        <source>back of the left hand</source>
        <translation>mu bàn tay trái</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/__init__.py" line="67" />
        <source>back of the right hand</source>
        <translation>mu bàn tay phải</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="57" />
        <source>&amp;Given</source>
        <translation>Đã &amp;dùng</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="58" />
        <source>&amp;Held</source>
        <translation>Tạm &amp;hoãn</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="59" />
        <source>&amp;Refused</source>
        <translation>&amp;Từ chối</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="60" />
        <source>&amp;Missed</source>
        <translation>&amp;Bỏ lỡ</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="66" />
        <source>Nil by mouth (fasting for a procedure)</source>
        <extracomment>Reasons a nurse usually writes, by outcome (any other may be typed).</extracomment>
        <translation>Nhịn ăn uống (chuẩn bị thủ thuật)</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="67" />
        <source>Vital signs outside the ordered limits; doctor informed</source>
        <translation>Dấu hiệu sinh tồn ngoài giới hạn y lệnh; đã báo bác sĩ</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="68" />
        <source>Held on the doctor's instruction</source>
        <translation>Tạm hoãn theo chỉ định của bác sĩ</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="69" />
        <source>Patient vomiting</source>
        <translation>Bệnh nhân nôn</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="70" />
        <location filename="../../ui/nursing/administer.py" line="79" />
        <source>Drug not available</source>
        <translation>Chưa có thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="73" />
        <source>Patient refused</source>
        <translation>Bệnh nhân từ chối</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="74" />
        <source>Family refused on the patient's behalf</source>
        <translation>Người nhà từ chối thay bệnh nhân</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="77" />
        <source>Patient away from the ward</source>
        <translation>Bệnh nhân vắng mặt tại khoa</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/administer.py" line="78" />
        <source>Patient in surgery or at an investigation</source>
        <translation>Bệnh nhân đang phẫu thuật hoặc đi làm cận lâm sàng</translation>
    </message>
</context>
<context>
    <name>WorklistModel</name>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="131" />
        <source>Time</source>
        <extracomment>The worklist is read again this often (statuses move with the clock).</extracomment>
        <translation>Giờ</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="132" />
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="133" />
        <source>Bed</source>
        <translation>Giường</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="134" />
        <source>Patient</source>
        <translation>Bệnh nhân</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="135" />
        <source>Drug</source>
        <translation>Thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="136" />
        <source>Dose</source>
        <translation>Liều</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="137" />
        <source>Route</source>
        <translation>Đường dùng</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="264" />
        <source>{outcome} at {time} by {nurse}</source>
        <translation>{outcome} lúc {time}, người ghi: {nurse}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="274" />
        <source>Not before {time}</source>
        <translation>Không dùng trước {time}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="280" />
        <source>Recorded as given twice (two PCs): see sync review.</source>
        <translation>Bị ghi đã dùng hai lần (từ hai máy): xem mục rà soát đồng bộ.</translation>
    </message>
</context>
<context>
    <name>WorklistScreen</name>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="447" />
        <source>Ward</source>
        <translation>Khoa điều trị</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="448" />
        <source>Injection booth</source>
        <translation>Buồng tiêm</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="449" />
        <source>&amp;Department</source>
        <translation>&amp;Khoa</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="450" />
        <source>Refresh</source>
        <translation>Làm mới</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="452" />
        <source>Scan the wristband, then the drug (or type the record number, the drug code)</source>
        <translation>Quét vòng tay, rồi quét thuốc (hoặc gõ mã bệnh nhân, mã thuốc)</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="454" />
        <source>Next patient (Esc)</source>
        <translation>Bệnh nhân tiếp theo (Esc)</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="455" />
        <source>Give dose</source>
        <translation>Dùng thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="456" />
        <source>Medication record</source>
        <translation>Theo dõi dùng thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="457" />
        <source>Vital signs</source>
        <translation>Dấu hiệu sinh tồn</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="458" />
        <source>Wristband</source>
        <translation>Vòng tay</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="459" />
        <source>Doses</source>
        <translation>Liều thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="460" />
        <source>Shift handover</source>
        <translation>Bàn giao ca</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="529" />
        <source>Your role does not see patients' medication.</source>
        <translation>Vai trò của bạn không được xem thuốc của bệnh nhân.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="531" />
        <source>No ward yet: an administrator adds departments and their beds.</source>
        <translation>Chưa có khoa nào: quản trị viên thêm khoa và giường bệnh.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="533" />
        <source>Your role can read the worklist but not record doses.</source>
        <translation>Vai trò của bạn chỉ xem được danh sách, không được ghi nhận dùng thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="587" />
        <source>No dose on the list.</source>
        <translation>Không có liều thuốc nào trong danh sách.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/worklist.py" line="591" />
        <source>%n overdue</source>
        <translation><numerusform>%n quá giờ</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/worklist.py" line="592" />
        <source>%n due now</source>
        <translation><numerusform>%n đến giờ</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/worklist.py" line="593" />
        <source>%n upcoming</source>
        <translation><numerusform>%n sắp tới</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/worklist.py" line="596" />
        <source>%n as needed</source>
        <translation><numerusform>%n khi cần</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="710" />
        <source>{name}: now scan the drug.</source>
        <translation>{name}: tiếp theo, quét thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="716" />
        <source>{name} has no dose on this list.</source>
        <translation>{name} không có liều thuốc nào trong danh sách này.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="729" />
        <source>Right patient: {name}.</source>
        <translation>Đúng bệnh nhân: {name}.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="751" />
        <source>Right drug: {drug}.</source>
        <translation>Đúng thuốc: {drug}.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="758" />
        <source>No patient has this wristband or record number.</source>
        <translation>Không có bệnh nhân nào mang vòng tay hoặc mã bệnh nhân này.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="807" />
        <source>Patient: {name} — {mrn}</source>
        <translation>Bệnh nhân: {name} — {mrn}</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/worklist.py" line="850" />
        <source>Recorded for {name}. Scan the next drug, or Esc for the next patient.</source>
        <translation>Đã ghi nhận cho {name}. Quét thuốc tiếp theo, hoặc bấm Esc để sang bệnh nhân khác.</translation>
    </message>
</context>
<context>
    <name>WristbandPreview</name>
    <message>
        <location filename="../../ui/nursing/wristbands.py" line="133" />
        <source>&amp;Print…</source>
        <extracomment>Pages are rendered for the printer at this resolution (barcodes need sharp edges). The patients chosen; `shown_ids` those of the sheet on screen.</extracomment>
        <translation>&amp;In…</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/wristbands.py" line="134" />
        <source>Prepare the &amp;sheet</source>
        <translation>Chuẩn bị &amp;tờ nhãn</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/wristbands.py" line="135" />
        <source>Labels per patient</source>
        <translation>Số nhãn mỗi bệnh nhân</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/wristbands.py" line="165" />
        <source>Preparing the wristbands…</source>
        <translation>Đang chuẩn bị vòng tay…</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/wristbands.py" line="198" />
        <location filename="../../ui/nursing/wristbands.py" line="203" />
        <source>The wristband sheet could not be opened.</source>
        <translation>Không mở được tờ nhãn vòng tay.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/wristbands.py" line="226" />
        <source>Your role cannot print.</source>
        <translation>Vai trò của bạn không được in.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/wristbands.py" line="229" />
        <source>Wristbands of %n patient(s).</source>
        <translation><numerusform>Vòng tay của %n bệnh nhân.</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/wristbands.py" line="231" />
        <source>%n page(s).</source>
        <translation><numerusform>%n trang.</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/nursing/wristbands.py" line="236" />
        <source>%n patient(s) chosen: prepare the sheet to see and print it.</source>
        <translation><numerusform>Đã chọn %n bệnh nhân: chuẩn bị tờ nhãn để xem và in.</numerusform></translation>
    </message>
    <message>
        <location filename="../../ui/nursing/wristbands.py" line="243" />
        <source>Choose patients on the list (or scan a wristband) to print theirs.</source>
        <translation>Chọn bệnh nhân trong danh sách (hoặc quét vòng tay) để in vòng tay.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/wristbands.py" line="266" />
        <source>The wristbands were sent to the printer.</source>
        <translation>Đã gửi vòng tay tới máy in.</translation>
    </message>
    <message>
        <location filename="../../ui/nursing/wristbands.py" line="268" />
        <source>The printer could not print the wristbands.</source>
        <translation>Máy in không in được vòng tay.</translation>
    </message>
</context>
</TS>