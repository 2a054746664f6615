<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>AdminPage</name>
    <message>
        <location filename="../../ui/wizard.py" line="406"/>
        <source>&amp;No administrator on this PC: staff log in with their accounts from the hospital&apos;s server</source>
        <translation>&amp;Không tạo quản trị viên trên máy này: nhân viên đăng nhập bằng tài khoản của họ trên máy chủ bệnh viện</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="410"/>
        <source>First administrator</source>
        <translation>Quản trị viên đầu tiên</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="413"/>
        <source>The administrator adds the staff accounts, makes backups and manages this PC. Doctors, nurses and clerks get their own accounts later.</source>
        <translation>Quản trị viên tạo tài khoản cho nhân viên, sao lưu dữ liệu và quản lý máy này. Bác sĩ, điều dưỡng và nhân viên tiếp đón sẽ có tài khoản riêng sau.</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="417"/>
        <source>&amp;Username</source>
        <translation>&amp;Tên đăng nhập</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="418"/>
        <source>&amp;Full name</source>
        <translation>&amp;Họ và tên</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="419"/>
        <source>&amp;Password</source>
        <translation>&amp;Mật khẩu</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="420"/>
        <source>Password &amp;again</source>
        <translation>&amp;Nhập lại mật khẩu</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="421"/>
        <source>e.g. qt.nam (no accents)</source>
        <translation>ví dụ: qt.nam (không dấu)</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/wizard.py" line="424"/>
        <source>At least %n character(s); a phrase of a few words is easy to remember.</source>
        <translation>
            <numerusform>Ít nhất %n ký tự; một cụm vài từ sẽ dễ nhớ.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="429"/>
        <source>&amp;Create the store</source>
        <translation>&amp;Tạo kho dữ liệu</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/wizard.py" line="462"/>
        <source>The password must have at least %n character(s).</source>
        <translation>
            <numerusform>Mật khẩu phải có ít nhất %n ký tự.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="468"/>
        <source>The two passwords differ.</source>
        <translation>Hai mật khẩu nhập vào khác nhau.</translation>
    </message>
</context>
<context>
    <name>BoardModel</name>
    <message>
        <location filename="../../ui/ward.py" line="72"/>
        <source>Bed</source>
        <translation>Giường</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="73"/>
        <source>Patient</source>
        <translation>Bệnh nhân</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="74"/>
        <source>Age / sex</source>
        <translation>Tuổi / giới</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="75"/>
        <source>Day of stay</source>
        <translation>Ngày điều trị</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="76"/>
        <source>Attending doctor</source>
        <translation>Bác sĩ điều trị</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="77"/>
        <source>Reason for admission</source>
        <translation>Lý do vào viện</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="137"/>
        <source>Admitted {time}</source>
        <translation>Vào viện lúc {time}</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="158"/>
        <source>no bed yet</source>
        <translation>chưa có giường</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="163"/>
        <source>Free</source>
        <translation>Trống</translation>
    </message>
</context>
<context>
    <name>ConflictsPage</name>
    <message>
        <location filename="../../ui/review.py" line="397"/>
        <source>Two PCs changed the same thing before they synced. The value in force is the same on every PC; the other one was kept so that nothing is lost. Keep the value in force, or use the other value instead (it then goes to every PC).</source>
        <translation>Hai máy đã sửa cùng một thông tin trước khi đồng bộ. Giá trị đang dùng giống nhau trên mọi máy; giá trị kia được giữ lại để không mất dữ liệu. Hãy giữ giá trị đang dùng, hoặc dùng giá trị kia thay thế (giá trị đó sẽ được gửi tới mọi máy).</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="402"/>
        <source>No conflicts to settle.</source>
        <translation>Không có xung đột cần xử lý.</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="403"/>
        <source>&amp;Keep the value in force</source>
        <translation>&amp;Giữ giá trị đang dùng</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="404"/>
        <source>&amp;Use the other value</source>
        <translation>&amp;Dùng giá trị kia</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="456"/>
        <source>Conflict settled.</source>
        <translation>Đã xử lý xung đột.</translation>
    </message>
</context>
<context>
    <name>DepartmentForm</name>
    <message>
        <location filename="../../ui/ward.py" line="229"/>
        <source>Departments and beds</source>
        <translation>Khoa và giường bệnh</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="230"/>
        <source>Department &amp;code</source>
        <translation>&amp;Mã khoa</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="232"/>
        <source>Department &amp;name</source>
        <translation>&amp;Tên khoa</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="234"/>
        <source>Kind</source>
        <translation>Loại khoa</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="235"/>
        <source>e.g. Khoa Nội tổng hợp</source>
        <translation>ví dụ: Khoa Nội tổng hợp</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="241"/>
        <source>Add department</source>
        <translation>Thêm khoa</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="242"/>
        <source>New &amp;bed</source>
        <translation>&amp;Giường mới</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="244"/>
        <source>e.g. P201-G1</source>
        <translation>ví dụ: P201-G1</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="245"/>
        <source>Add bed to the chosen department</source>
        <translation>Thêm giường vào khoa đang chọn</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="247"/>
        <source>Press Enter after each bed code to add beds one after another.</source>
        <translation>Nhấn Enter sau mỗi mã giường để thêm lần lượt từng giường.</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="254"/>
        <source>Enter the department&apos;s code and name.</source>
        <translation>Nhập mã khoa và tên khoa.</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="270"/>
        <source>Department {name} added.</source>
        <translation>Đã thêm {name}.</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="283"/>
        <source>Choose the department first.</source>
        <translation>Hãy chọn khoa trước.</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="286"/>
        <source>Enter the bed&apos;s code.</source>
        <translation>Nhập mã giường.</translation>
    </message>
</context>
<context>
    <name>DuplicatesPage</name>
    <message>
        <location filename="../../ui/review.py" line="628"/>
        <source>Charts registered recently that may belong to one person (two PCs offline, or a patient registered twice). Compare them, choose the chart to keep and merge: the chart kept shows the records of both. A merge can be undone.</source>
        <translation>Các hồ sơ mới đăng ký có thể là của cùng một người (hai máy cùng đăng ký khi mất mạng, hoặc bệnh nhân bị đăng ký hai lần). Hãy so sánh, chọn hồ sơ giữ lại rồi gộp: hồ sơ giữ lại sẽ hiển thị dữ liệu của cả hai. Có thể hủy gộp sau đó.</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="633"/>
        <source>Check one chart: record number, CCCD or name</source>
        <translation>Kiểm tra một hồ sơ: mã bệnh nhân, số CCCD hoặc họ tên</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="634"/>
        <source>Find its duplicates</source>
        <translation>Tìm hồ sơ trùng</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="635"/>
        <source>Recent registrations</source>
        <translation>Các hồ sơ mới đăng ký</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="636"/>
        <source>&amp;Reason for the merge</source>
        <translation>&amp;Lý do gộp hồ sơ</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="637"/>
        <source>e.g. same person, registered twice</source>
        <translation>ví dụ: cùng một người, đăng ký hai lần</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="638"/>
        <source>&amp;Merge the two charts</source>
        <translation>&amp;Gộp hai hồ sơ</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="643"/>
        <source>Your role may compare charts but not merge them.</source>
        <translation>Vai trò của bạn được so sánh hồ sơ nhưng không được gộp hồ sơ.</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="672"/>
        <source>No likely duplicate of this chart.</source>
        <translation>Không có hồ sơ nghi trùng của hồ sơ này.</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="674"/>
        <source>No likely duplicates among the recent registrations.</source>
        <translation>Không có hồ sơ nghi trùng trong các hồ sơ mới đăng ký.</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="699"/>
        <source>Keep chart A: {chart}</source>
        <translation>Giữ hồ sơ A: {chart}</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="700"/>
        <source>Keep chart B: {chart}</source>
        <translation>Giữ hồ sơ B: {chart}</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="708"/>
        <source>Write why these charts are one person.</source>
        <translation>Ghi lý do xác định hai hồ sơ là của cùng một người.</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="728"/>
        <source>Merged: {replaced} is now read through {survivor}.</source>
        <translation>Đã gộp: hồ sơ {replaced} nay được xem qua hồ sơ {survivor}.</translation>
    </message>
</context>
<context>
    <name>FacilityPage</name>
    <message>
        <location filename="../../ui/wizard.py" line="225"/>
        <source>Facility</source>
        <translation>Cơ sở khám chữa bệnh</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="226"/>
        <source>The health facility this PC belongs to.</source>
        <translation>Cơ sở y tế mà máy này thuộc về.</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="227"/>
        <source>Facility &amp;code (MA_CSKCB)</source>
        <translation>&amp;Mã cơ sở KCB (MA_CSKCB)</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="228"/>
        <source>Facility &amp;name</source>
        <translation>&amp;Tên cơ sở</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="229"/>
        <source>PC &amp;number</source>
        <translation>&amp;Số máy</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="230"/>
        <source>PC name</source>
        <translation>Tên máy</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="231"/>
        <source>5 characters, e.g. 70001</source>
        <translation>5 ký tự, ví dụ: 70001</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="232"/>
        <source>e.g. Trung tâm Y tế huyện Đồng Phú</source>
        <translation>ví dụ: Trung tâm Y tế huyện Đồng Phú</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="233"/>
        <source>e.g. Khoa Nội – máy 1 (optional)</source>
        <translation>ví dụ: Khoa Nội – máy 1 (không bắt buộc)</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="236"/>
        <source>Give each PC of the facility its own number: the record numbers (MRN) it prints start from it, so two PCs never print the same one.</source>
        <translation>Mỗi máy trong cơ sở cần một số riêng: mã bệnh nhân (MRN) do máy cấp được tính từ số này, nên hai máy không bao giờ cấp trùng mã.</translation>
    </message>
</context>
<context>
    <name>KeyPage</name>
    <message>
        <location filename="../../ui/wizard.py" line="538"/>
        <source>Recovery key</source>
        <translation>Khóa khôi phục</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="541"/>
        <source>Write this key on paper now and keep it locked away, apart from the PC. It is shown only this once. If this PC&apos;s keyring is ever lost (Windows reinstalled, account reset), the IT staff need it to open the records again.</source>
        <translation>Hãy chép khóa này ra giấy ngay bây giờ và cất giữ ở nơi có khóa, tách riêng khỏi máy. Khóa chỉ hiện một lần này. Nếu kho khóa của máy bị mất (cài lại Windows, đặt lại tài khoản), bộ phận CNTT cần khóa này để mở lại dữ liệu.</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="546"/>
        <source>I have &amp;written the key down and put it away safely</source>
        <translation>Tôi đã &amp;chép khóa ra giấy và cất giữ an toàn</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="547"/>
        <source>&amp;Type its last group (4 characters)</source>
        <translation>&amp;Gõ lại nhóm cuối của khóa (4 ký tự)</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="553"/>
        <source>Creating the encrypted store… This takes a few seconds.</source>
        <translation>Đang tạo kho dữ liệu mã hóa… Việc này mất vài giây.</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="555"/>
        <source>The store of {facility} is ready on this PC (PC number {number}).</source>
        <translation>Kho dữ liệu của {facility} đã sẵn sàng trên máy này (máy số {number}).</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="559"/>
        <source>The facility&apos;s accounts could not be fetched from the server, so it was not checked that no other PC uses the username {username}. If two accounts share it, ask the IT staff to rename one.</source>
        <translation>Không tải được tài khoản của cơ sở từ máy chủ, nên chưa kiểm tra được tên đăng nhập {username} có bị máy khác dùng không. Nếu hai tài khoản trùng tên, hãy báo bộ phận CNTT đổi tên một tài khoản.</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="567"/>
        <source>The store could not be created. Go back, correct and try again.</source>
        <translation>Chưa tạo được kho dữ liệu. Hãy quay lại, sửa và thử lại.</translation>
    </message>
</context>
<context>
    <name>MergesPage</name>
    <message>
        <location filename="../../ui/review.py" line="774"/>
        <source>No merged charts.</source>
        <translation>Chưa có hồ sơ nào được gộp.</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="775"/>
        <source>&amp;Undo this merge</source>
        <translation>&amp;Hủy lần gộp này</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="812"/>
        <source>Merge undone: {replaced} is a chart of its own again.</source>
        <translation>Đã hủy gộp: {replaced} lại là một hồ sơ riêng.</translation>
    </message>
</context>
<context>
    <name>ModePage</name>
    <message>
        <location filename="../../ui/wizard.py" line="162"/>
        <source>Set up this PC</source>
        <extracomment>Seconds the server may take to answer the enrollment. The wizard&apos;s usual buttons (Qt&apos;s own layout), put back after a failed attempt.</extracomment>
        <translation>Thiết lập máy này</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="163"/>
        <source>This PC has no patient records yet. Choose how it will work.</source>
        <translation>Máy này chưa có dữ liệu bệnh nhân. Hãy chọn cách máy sẽ hoạt động.</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="164"/>
        <source>&amp;On its own, without a server</source>
        <translation>Hoạt động &amp;độc lập, không có máy chủ</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="167"/>
        <source>For a facility without a central server yet. The records stay on this PC; it can be enrolled with a server later.</source>
        <translation>Dành cho cơ sở chưa có máy chủ trung tâm. Dữ liệu được lưu trên máy này; sau này có thể đăng ký máy với máy chủ.</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="171"/>
        <source>&amp;Join the hospital&apos;s server</source>
        <translation>&amp;Kết nối với máy chủ của bệnh viện</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="174"/>
        <source>The IT staff give you the server&apos;s address and a one-time enrollment code. The facility and this PC&apos;s number come from the server, and the PC then keeps its records in step with the others.</source>
        <translation>Bộ phận CNTT cung cấp địa chỉ máy chủ và một mã đăng ký dùng một lần. Thông tin cơ sở và số máy được lấy từ máy chủ; sau đó máy đồng bộ dữ liệu với các máy khác.</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="179"/>
        <source>&amp;Language</source>
        <translation>&amp;Ngôn ngữ</translation>
    </message>
</context>
<context>
    <name>ReviewScreen</name>
    <message>
        <location filename="../../ui/review.py" line="65"/>
        <source>full name</source>
        <extracomment>Names of the fields a conflict may be about.</extracomment>
        <translation>họ tên</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="66"/>
        <source>sex</source>
        <translation>giới tính</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="67"/>
        <source>date of birth</source>
        <translation>ngày sinh</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="68"/>
        <source>CCCD number</source>
        <translation>số CCCD</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="69"/>
        <source>CMND number</source>
        <translation>số CMND</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="70"/>
        <source>health insurance (BHYT) number</source>
        <translation>số thẻ BHYT</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="71"/>
        <source>BHYT valid from</source>
        <translation>thẻ BHYT có giá trị từ</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="72"/>
        <source>BHYT valid to</source>
        <translation>thẻ BHYT có giá trị đến</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="73"/>
        <source>BHYT primary-care facility</source>
        <translation>nơi đăng ký KCB ban đầu</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="74"/>
        <source>phone numbers</source>
        <translation>số điện thoại</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="75"/>
        <source>address</source>
        <translation>địa chỉ</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="76"/>
        <source>ethnicity</source>
        <translation>dân tộc</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="77"/>
        <source>occupation</source>
        <translation>nghề nghiệp</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="78"/>
        <source>guardian</source>
        <translation>người giám hộ</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="79"/>
        <source>identity status</source>
        <translation>tình trạng định danh</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="80"/>
        <source>deleted</source>
        <translation>đã xóa</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="81"/>
        <source>status</source>
        <translation>trạng thái</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="82"/>
        <location filename="../../ui/review.py" line="104"/>
        <source>department</source>
        <translation>khoa</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="83"/>
        <location filename="../../ui/review.py" line="105"/>
        <source>bed</source>
        <translation>giường</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="84"/>
        <source>attending doctor</source>
        <translation>bác sĩ điều trị</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="85"/>
        <source>reason</source>
        <translation>lý do</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="86"/>
        <source>end</source>
        <translation>thời điểm kết thúc</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="87"/>
        <source>allergen</source>
        <translation>tác nhân dị ứng</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="88"/>
        <source>reaction</source>
        <translation>phản ứng</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="89"/>
        <source>severity</source>
        <translation>mức độ</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="90"/>
        <source>description</source>
        <translation>mô tả</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="91"/>
        <source>name</source>
        <translation>tên</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="92"/>
        <source>code</source>
        <translation>mã</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="93"/>
        <source>role</source>
        <translation>vai trò</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="94"/>
        <source>account active</source>
        <translation>tài khoản đang hoạt động</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="95"/>
        <source>same dose given twice</source>
        <translation>cùng một liều được ghi dùng hai lần</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="100"/>
        <source>visit or stay</source>
        <extracomment>Names of the kinds of record a conflict may be on (a patient&apos;s own needs none).</extracomment>
        <translation>lượt khám/điều trị</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="101"/>
        <source>allergy</source>
        <translation>dị ứng</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="102"/>
        <source>problem list</source>
        <translation>danh sách bệnh</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="103"/>
        <source>staff account</source>
        <translation>tài khoản nhân viên</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="106"/>
        <source>facility</source>
        <translation>cơ sở</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="107"/>
        <source>PC</source>
        <translation>máy trạm</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="108"/>
        <source>chart merge</source>
        <translation>gộp hồ sơ</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="109"/>
        <source>medication given</source>
        <translation>thực hiện thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="110"/>
        <source>imaging study</source>
        <translation>ca chụp chẩn đoán hình ảnh</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="111"/>
        <source>e-prescription sending</source>
        <translation>gửi đơn thuốc quốc gia</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="116"/>
        <source>same CCCD</source>
        <extracomment>Why a pair looks like one person (`core.matching` reasons).</extracomment>
        <translation>trùng số CCCD</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="117"/>
        <source>same name</source>
        <translation>trùng họ tên</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="118"/>
        <source>same birth year</source>
        <translation>cùng năm sinh</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="119"/>
        <source>same date of birth</source>
        <translation>trùng ngày sinh</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="120"/>
        <source>same phone</source>
        <translation>trùng số điện thoại</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="121"/>
        <source>similar address</source>
        <translation>địa chỉ gần giống</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="122"/>
        <source>same BHYT card</source>
        <translation>trùng thẻ BHYT</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="142"/>
        <source>(empty)</source>
        <translation>(trống)</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="149"/>
        <source>yes</source>
        <translation>có</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="151"/>
        <source>no</source>
        <translation>không</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="229"/>
        <source>Patient or record</source>
        <translation>Bệnh nhân hoặc bản ghi</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="230"/>
        <source>Field</source>
        <translation>Thông tin</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="231"/>
        <source>Value in force</source>
        <translation>Giá trị đang dùng</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="232"/>
        <location filename="../../ui/review.py" line="234"/>
        <source>Written</source>
        <translation>Máy ghi, thời điểm</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="233"/>
        <source>Other value</source>
        <translation>Giá trị kia</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="268"/>
        <source>this PC</source>
        <translation>máy này</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="270"/>
        <source>PC {id}</source>
        <translation>Máy {id}</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="279"/>
        <source>Earlier chart</source>
        <translation>Hồ sơ đăng ký trước</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="280"/>
        <source>Later chart</source>
        <translation>Hồ sơ đăng ký sau</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="281"/>
        <source>Match</source>
        <translation>Mức trùng</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="282"/>
        <source>Why</source>
        <translation>Lý do nghi trùng</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="302"/>
        <source>Chart kept</source>
        <translation>Hồ sơ giữ lại</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="303"/>
        <source>Chart merged into it</source>
        <translation>Hồ sơ đã gộp vào</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="304"/>
        <source>Merged</source>
        <translation>Thời điểm gộp</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="305"/>
        <source>By</source>
        <translation>Người gộp</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="306"/>
        <source>Reason</source>
        <translation>Lý do</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="318"/>
        <source>automatically (same CCCD)</source>
        <translation>tự động (trùng CCCD)</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="486"/>
        <source>Record number</source>
        <translation>Mã bệnh nhân</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="487"/>
        <source>Full name</source>
        <translation>Họ tên</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="488"/>
        <source>Sex</source>
        <translation>Giới tính</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="489"/>
        <source>Date of birth</source>
        <translation>Ngày sinh</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="490"/>
        <source>CCCD</source>
        <translation>CCCD</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="491"/>
        <source>BHYT card</source>
        <translation>Thẻ BHYT</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="492"/>
        <source>Phone</source>
        <translation>Điện thoại</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="493"/>
        <source>Address</source>
        <translation>Địa chỉ</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="494"/>
        <source>Guardian</source>
        <translation>Người giám hộ</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="495"/>
        <source>Registered</source>
        <translation>Ngày đăng ký</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="511"/>
        <source>Chart A (earlier)</source>
        <translation>Hồ sơ A (đăng ký trước)</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="512"/>
        <source>Chart B (later)</source>
        <translation>Hồ sơ B (đăng ký sau)</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/review.py" line="859"/>
        <source>Conflicts (%n)</source>
        <translation>
            <numerusform>Xung đột (%n)</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/review.py" line="861"/>
        <source>Likely duplicates (%n)</source>
        <translation>
            <numerusform>Nghi trùng (%n)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="863"/>
        <source>Recent merges</source>
        <translation>Hồ sơ đã gộp</translation>
    </message>
    <message>
        <location filename="../../ui/review.py" line="868"/>
        <source>Your role does not see patient records: there is nothing to review here.</source>
        <translation>Vai trò của bạn không xem hồ sơ bệnh nhân: không có gì cần xử lý ở đây.</translation>
    </message>
</context>
<context>
    <name>ServerPage</name>
    <message>
        <location filename="../../ui/wizard.py" line="302"/>
        <source>Hospital server</source>
        <translation>Máy chủ bệnh viện</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="303"/>
        <source>The IT staff make an enrollment code for this PC on the server.</source>
        <translation>Bộ phận CNTT tạo mã đăng ký cho máy này trên máy chủ.</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="304"/>
        <source>Server &amp;address</source>
        <translation>&amp;Địa chỉ máy chủ</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="305"/>
        <source>&amp;Enrollment code</source>
        <translation>&amp;Mã đăng ký</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="306"/>
        <source>PC name</source>
        <translation>Tên máy</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="307"/>
        <source>e.g. https://emr.ttyt-dongphu.vn</source>
        <translation>ví dụ: https://emr.ttyt-dongphu.vn</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="308"/>
        <source>e.g. ABCD-EFGH-JKLM</source>
        <translation>ví dụ: ABCD-EFGH-JKLM</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="309"/>
        <source>e.g. Khoa Nội – máy 1 (optional)</source>
        <translation>ví dụ: Khoa Nội – máy 1 (không bắt buộc)</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="324"/>
        <source>Give the full address, starting with https:// (or http://).</source>
        <translation>Nhập đầy đủ địa chỉ, bắt đầu bằng https:// (hoặc http://).</translation>
    </message>
    <message>
        <location filename="../../ui/wizard.py" line="329"/>
        <source>Type the enrollment code the IT staff gave.</source>
        <translation>Nhập mã đăng ký do bộ phận CNTT cung cấp.</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <location filename="../../ui/wizard.py" line="642"/>
        <source>EMR Desktop — setting up this PC</source>
        <extracomment>The first administrator&apos;s username when the facility&apos;s accounts could not be fetched to check it (a PC joining the server while the link dropped).</extracomment>
        <translation>EMR Desktop — thiết lập máy</translation>
    </message>
</context>
<context>
    <name>SyncStatusBar</name>
    <message>
        <location filename="../../ui/syncstatus.py" line="159"/>
        <source>Sync now</source>
        <extracomment>A clock further off than this (from the server&apos;s) is shown as a warning. Seconds a sync request may take before the server counts as unreachable. &quot;starting&quot;, &quot;standalone&quot;, &quot;enrolled&quot; or &quot;unavailable&quot; (enrolled, but unusable).</extracomment>
        <translation>Đồng bộ ngay</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="160"/>
        <source>Send this PC&apos;s changes and fetch the others&apos; now</source>
        <translation>Gửi thay đổi của máy này và nhận thay đổi của các máy khác ngay bây giờ</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="169"/>
        <source>Sync: starting…</source>
        <translation>Đồng bộ: đang khởi động…</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="171"/>
        <source>Standalone (not enrolled with a server)</source>
        <translation>Độc lập (chưa đăng ký với máy chủ)</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="173"/>
        <source>This PC keeps its records locally and syncs with no server.</source>
        <translation>Máy này lưu hồ sơ tại chỗ và không đồng bộ với máy chủ nào.</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="176"/>
        <source>Sync unavailable</source>
        <translation>Không đồng bộ được</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="190"/>
        <source>Syncing…</source>
        <translation>Đang đồng bộ…</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="192"/>
        <location filename="../../ui/syncstatus.py" line="206"/>
        <source>Connecting…</source>
        <translation>Đang kết nối…</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="196"/>
        <source>Version {client} is older than the server&apos;s minimum version {minimum}: update required; this PC keeps working offline</source>
        <translation>Phiên bản {client} cũ hơn phiên bản tối thiểu {minimum} của máy chủ: cần cập nhật; vẫn làm việc ngoại tuyến được</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="202"/>
        <source>Update required</source>
        <translation>Cần cập nhật phần mềm</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="204"/>
        <source>Online</source>
        <translation>Trực tuyến</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="208"/>
        <source>Offline</source>
        <translation>Ngoại tuyến</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="209"/>
        <source>Server: {url}</source>
        <translation>Máy chủ: {url}</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="211"/>
        <source>Last error: {error}</source>
        <translation>Lỗi gần nhất: {error}</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/syncstatus.py" line="216"/>
        <source>%n change(s) to send</source>
        <translation>
            <numerusform>%n thay đổi chờ gửi</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="220"/>
        <source>Last sync: {time}</source>
        <translation>Đồng bộ lần cuối: {time}</translation>
    </message>
    <message>
        <location filename="../../ui/syncstatus.py" line="222"/>
        <source>Never synced</source>
        <translation>Chưa đồng bộ lần nào</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/syncstatus.py" line="225"/>
        <source>%n conflict(s)</source>
        <translation>
            <numerusform>%n xung đột</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/syncstatus.py" line="231"/>
        <source>This PC&apos;s clock is %n minute(s) ahead</source>
        <translation>
            <numerusform>Đồng hồ máy này nhanh %n phút</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/syncstatus.py" line="233"/>
        <source>This PC&apos;s clock is %n minute(s) behind</source>
        <translation>
            <numerusform>Đồng hồ máy này chậm %n phút</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/syncstatus.py" line="241"/>
        <source>%n possible duplicate chart(s)</source>
        <translation>
            <numerusform>%n hồ sơ nghi trùng</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>WardBoard</name>
    <message>
        <location filename="../../ui/ward.py" line="55"/>
        <source>inpatient ward</source>
        <extracomment>Kinds of department an administrator may create here, with their names.</extracomment>
        <translation>khoa điều trị nội trú</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="56"/>
        <source>emergency and intensive care</source>
        <translation>cấp cứu – hồi sức tích cực</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="57"/>
        <source>outpatient clinic (no beds)</source>
        <translation>khoa khám bệnh ngoại trú (không có giường)</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="389"/>
        <source>&amp;Department</source>
        <translation>&amp;Khoa</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="390"/>
        <source>Refresh</source>
        <translation>Làm mới</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="395"/>
        <source>Your role does not see patients: only the beds are listed.</source>
        <translation>Vai trò của bạn không xem thông tin bệnh nhân: chỉ liệt kê các giường.</translation>
    </message>
    <message>
        <location filename="../../ui/ward.py" line="399"/>
        <source>No ward yet: an administrator adds departments and their beds.</source>
        <translation>Chưa có khoa nội trú nào: quản trị viên cần thêm khoa và giường bệnh.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/ward.py" line="494"/>
        <source>%n bed(s)</source>
        <translation>
            <numerusform>%n giường</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/ward.py" line="499"/>
        <source>%n free</source>
        <translation>
            <numerusform>%n trống</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/ward.py" line="500"/>
        <source>%n patient(s)</source>
        <translation>
            <numerusform>%n bệnh nhân</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/ward.py" line="502"/>
        <source>%n without a bed</source>
        <translation>
            <numerusform>%n chưa có giường</numerusform>
        </translation>
    </message>
</context>
</TS>
