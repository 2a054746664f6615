<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>PatientSearchScreen</name>
    <message>
        <location filename="../../ui/search.py" line="287"/>
        <source>Name (accents optional), CCCD, BHYT, phone or record number — or scan a card</source>
        <extracomment>The screen wants to be brought to the front (a serial scan opened registration while another tab was showing). The text whose results are showing; None while a search is running.</extracomment>
        <translation>Họ tên (có dấu hoặc không dấu), số CCCD, mã thẻ BHYT, số điện thoại hoặc mã bệnh nhân — hoặc quét thẻ CCCD</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="289"/>
        <source>&amp;New patient</source>
        <translation>Bệnh nhân &amp;mới</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="290"/>
        <source>&amp;Unidentified emergency patient</source>
        <translation>Cấp cứu chưa rõ &amp;danh tính</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="350"/>
        <source>Your role cannot look up patients.</source>
        <translation>Vai trò của bạn không được tra cứu bệnh nhân.</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="352"/>
        <source>Searching…</source>
        <translation>Đang tìm…</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="355"/>
        <source>Type a name, a CCCD, BHYT or phone number, or scan the CCCD card.</source>
        <translation>Nhập họ tên, số CCCD, mã thẻ BHYT hoặc số điện thoại, hoặc quét mã QR trên thẻ CCCD.</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="358"/>
        <source>No patient found. Check the spelling or register.</source>
        <translation>Không tìm thấy bệnh nhân. Kiểm tra lại chính tả hoặc đăng ký mới.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/search.py" line="360"/>
        <source>The first %n patients; type more to narrow.</source>
        <translation>
            <numerusform>%n bệnh nhân đầu tiên; gõ thêm để thu hẹp kết quả.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/search.py" line="362"/>
        <source>Patients found: %n.</source>
        <translation>
            <numerusform>Tìm thấy %n bệnh nhân.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="427"/>
        <source>Looking up the scanned card…</source>
        <translation>Đang tra cứu thẻ vừa quét…</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="449"/>
        <source>No patient has this CCCD number. Ask the registration desk.</source>
        <translation>Chưa có bệnh nhân nào mang số CCCD này. Đề nghị bộ phận tiếp đón đăng ký.</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="489"/>
        <source>Card scanner ready</source>
        <translation>Máy quét thẻ sẵn sàng</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="493"/>
        <source>Card scanner not connected ({port})</source>
        <translation>Chưa kết nối máy quét thẻ ({port})</translation>
    </message>
</context>
<context>
    <name>PatientTableModel</name>
    <message>
        <location filename="../../ui/search.py" line="82"/>
        <source>Record no.</source>
        <extracomment>Pause after the last keystroke before searching. Shorter queries match too many patients to be worth a search. Rows shown at most; more means the clerk should type more.</extracomment>
        <translation>Mã BN</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="83"/>
        <source>Full name</source>
        <translation>Họ và tên</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="84"/>
        <source>Sex</source>
        <translation>Giới tính</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="85"/>
        <source>Born</source>
        <translation>Ngày sinh</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="86"/>
        <source>CCCD</source>
        <translation>CCCD</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="87"/>
        <source>BHYT</source>
        <translation>Thẻ BHYT</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="88"/>
        <source>Address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="89"/>
        <source>Phone</source>
        <translation>Điện thoại</translation>
    </message>
    <message>
        <location filename="../../ui/search.py" line="140"/>
        <source>Identity not yet known</source>
        <translation>Chưa rõ danh tính</translation>
    </message>
</context>
<context>
    <name>RegistrationForm</name>
    <message>
        <location filename="../../ui/registration.py" line="339"/>
        <source>Register a new patient</source>
        <extracomment>Children under this age should have a guardian recorded. The 54 ethnic groups of Việt Nam, as written on identity documents (proper names, not translated). Kinh first: most patients. The form&apos;s fields, in the order a clerk fills them. The patient was saved (and their chart asked to open); the argument is their id. The clerk closed the form without registering (cancel, or opened an existing chart). Fields a scan left for the clerk: level (&quot;error&quot; blocks saving) and message.</extracomment>
        <translation>Đăng ký bệnh nhân mới</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="340"/>
        <source>Identity</source>
        <translation>Thông tin hành chính</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="341"/>
        <source>Health insurance card (BHYT)</source>
        <translation>Thẻ bảo hiểm y tế (BHYT)</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="342"/>
        <source>Contact and other details</source>
        <translation>Liên hệ và thông tin khác</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="344"/>
        <source>Full &amp;name</source>
        <translation>&amp;Họ và tên</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="345"/>
        <source>&amp;Sex</source>
        <translation>&amp;Giới tính</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="346"/>
        <source>&amp;Date of birth</source>
        <translation>&amp;Ngày sinh</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="347"/>
        <source>&amp;CCCD number</source>
        <translation>Số &amp;CCCD</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="348"/>
        <source>Old CM&amp;ND number</source>
        <translation>Số CM&amp;ND cũ</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="349"/>
        <source>&amp;BHYT number</source>
        <translation>Mã thẻ &amp;BHYT</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="350"/>
        <source>Valid &amp;from</source>
        <translation>Giá trị &amp;từ ngày</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="351"/>
        <source>Valid &amp;to</source>
        <translation>Giá trị đến ngà&amp;y</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="352"/>
        <source>Registered facility (KCB BĐ)</source>
        <translation>Nơi đăng ký KCB ban đầu</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="353"/>
        <source>&amp;Phone</source>
        <translation>Số điện thoạ&amp;i</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="354"/>
        <source>&amp;Address</source>
        <translation>Đị&amp;a chỉ</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="355"/>
        <source>&amp;Ethnicity</source>
        <translation>&amp;Dân tộc</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="356"/>
        <source>&amp;Occupation</source>
        <translation>Nghề nghiệ&amp;p</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="357"/>
        <source>&amp;Guardian (for a child)</source>
        <translation>Người giám hộ (trẻ &amp;em)</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="361"/>
        <source>Choose…</source>
        <translation>Chọn…</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="364"/>
        <source>As on the identity card</source>
        <translation>Ghi như trên thẻ căn cước</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="365"/>
        <source>dd/mm/yyyy, or the year only</source>
        <translation>dd/mm/yyyy, hoặc chỉ năm sinh</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="366"/>
        <source>12 digits</source>
        <translation>12 chữ số</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="367"/>
        <source>9 digits, if the patient has one</source>
        <translation>9 chữ số, nếu bệnh nhân có</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="368"/>
        <source>15-character card code, e.g. DN4010123456789</source>
        <translation>Mã thẻ 15 ký tự, ví dụ DN4010123456789</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="369"/>
        <location filename="../../ui/registration.py" line="370"/>
        <source>dd/mm/yyyy</source>
        <translation>dd/mm/yyyy</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="371"/>
        <source>5 characters, e.g. 01001</source>
        <translation>5 ký tự, ví dụ 01001</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="372"/>
        <source>Several numbers separated by commas</source>
        <translation>Nhiều số thì cách nhau bằng dấu phẩy</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="373"/>
        <source>House number, street, ward/commune, province</source>
        <translation>Số nhà, đường, phường/xã, tỉnh/thành phố</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="374"/>
        <source>Choose or type…</source>
        <translation>Chọn hoặc nhập…</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="375"/>
        <source>Register and open chart</source>
        <translation>Đăng ký và mở hồ sơ</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="376"/>
        <source>Ctrl+Enter</source>
        <translation>Ctrl+Enter</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="377"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="378"/>
        <source>Open that chart</source>
        <translation>Mở hồ sơ đó</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="433"/>
        <source>The scanner garbled the name: type it from the card, with its diacritics.</source>
        <translation>Máy quét đọc sai họ tên: nhập lại theo thẻ, có đủ dấu.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="439"/>
        <source>The scanner garbled the address: type it from the card.</source>
        <translation>Máy quét đọc sai địa chỉ: nhập lại theo thẻ.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="495"/>
        <source>Choose the patient&apos;s sex.</source>
        <translation>Chọn giới tính của bệnh nhân.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="512"/>
        <source>This CCCD number is already registered.</source>
        <translation>Số CCCD này đã được đăng ký.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="530"/>
        <source>A child: record the parent or guardian.</source>
        <translation>Bệnh nhân là trẻ em: ghi tên cha, mẹ hoặc người giám hộ.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="546"/>
        <source>“{text}” is not a date: write it as dd/mm/yyyy.</source>
        <translation>“{text}” không phải là ngày: nhập theo dạng dd/mm/yyyy.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="563"/>
        <source>Enter the card number with its validity dates.</source>
        <translation>Nhập mã thẻ BHYT đi kèm thời hạn sử dụng của thẻ.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="570"/>
        <source>The facility code on the card has 5 letters or digits, e.g. 01001.</source>
        <translation>Mã nơi đăng ký KCB ban đầu trên thẻ gồm 5 chữ cái hoặc chữ số, ví dụ 01001.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="628"/>
        <source>Registered already: {name}, born {born}, record number {mrn}.</source>
        <translation>Đã đăng ký: {name}, sinh {born}, mã bệnh nhân {mrn}.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="669"/>
        <source>Registered {name}, record number {mrn}.</source>
        <translation>Đã đăng ký {name}, mã bệnh nhân {mrn}.</translation>
    </message>
</context>
<context>
    <name>UnidentifiedPatientPanel</name>
    <message>
        <location filename="../../ui/registration.py" line="767"/>
        <source>Unidentified emergency patient</source>
        <translation>Bệnh nhân cấp cứu chưa rõ danh tính</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="770"/>
        <source>For a patient nobody can name yet. The chart opens at once; complete the identity when it is known.</source>
        <translation>Dành cho bệnh nhân chưa xác định được danh tính. Hồ sơ được mở ngay; bổ sung thông tin hành chính khi đã rõ.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="776"/>
        <source>Sex</source>
        <translation>Giới tính</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="777"/>
        <source>Estimated &amp;age</source>
        <translation>&amp;Tuổi ước tính</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="778"/>
        <source>cannot tell</source>
        <translation>không rõ</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="779"/>
        <source> years</source>
        <translation> tuổi</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="780"/>
        <source>Register and open chart</source>
        <translation>Đăng ký và mở hồ sơ</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="781"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="798"/>
        <source>Choose the sex.</source>
        <translation>Chọn giới tính.</translation>
    </message>
    <message>
        <location filename="../../ui/registration.py" line="816"/>
        <source>Registered an unidentified patient, record number {mrn}.</source>
        <translation>Đã đăng ký bệnh nhân chưa rõ danh tính, mã bệnh nhân {mrn}.</translation>
    </message>
</context>
</TS>
