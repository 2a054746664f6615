<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>Errors</name>
    <message>
        <location filename="../../ui/i18n.py" line="97"/>
        <source>Unexpected error. Saved data is not affected; try again or tell the IT staff.</source>
        <extracomment>Names shown in the language switch, each in its own language.</extracomment>
        <translation>Lỗi không mong đợi. Dữ liệu đã lưu không bị ảnh hưởng; hãy thử lại hoặc báo bộ phận CNTT.</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../ui/labels.py" line="22"/>
        <source>male</source>
        <extracomment>QT_TRANSLATE_NOOP marks the names for lupdate and returns them unchanged.</extracomment>
        <translation>nam</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="23"/>
        <source>female</source>
        <translation>nữ</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="24"/>
        <source>other</source>
        <translation>khác</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="27"/>
        <source>registration clerk</source>
        <translation>nhân viên tiếp đón</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="28"/>
        <source>nurse</source>
        <translation>điều dưỡng</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="29"/>
        <source>doctor</source>
        <translation>bác sĩ</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="30"/>
        <source>pharmacist</source>
        <translation>dược sĩ</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="31"/>
        <source>administrator</source>
        <translation>quản trị viên</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="34"/>
        <source>outpatient visit</source>
        <translation>khám ngoại trú</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="35"/>
        <source>inpatient stay</source>
        <translation>điều trị nội trú</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="36"/>
        <source>emergency</source>
        <translation>cấp cứu</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="39"/>
        <source>in progress</source>
        <translation>đang điều trị</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="40"/>
        <source>finished</source>
        <translation>đã kết thúc</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="41"/>
        <source>cancelled</source>
        <translation>đã hủy</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="44"/>
        <source>vital signs</source>
        <translation>dấu hiệu sinh tồn</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="45"/>
        <source>note</source>
        <translation>ghi chép</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="46"/>
        <source>diagnosis</source>
        <translation>chẩn đoán</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="47"/>
        <source>order</source>
        <translation>chỉ định</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="48"/>
        <source>lab result</source>
        <translation>kết quả xét nghiệm</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="49"/>
        <source>imaging report</source>
        <translation>kết quả chẩn đoán hình ảnh</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="50"/>
        <source>prescription</source>
        <translation>đơn thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="51"/>
        <source>medication order</source>
        <translation>y lệnh thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="52"/>
        <source>medication given</source>
        <translation>thực hiện thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="53"/>
        <source>admission/transfer/discharge</source>
        <translation>nhập/chuyển/ra viện</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="54"/>
        <source>document</source>
        <translation>tài liệu</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="55"/>
        <source>record from another facility</source>
        <translation>hồ sơ từ cơ sở khác</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="58"/>
        <source>draft</source>
        <translation>bản nháp</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="59"/>
        <source>signed</source>
        <translation>đã ký</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="62"/>
        <source>admission</source>
        <translation>nhập viện</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="63"/>
        <source>transfer</source>
        <translation>chuyển khoa</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="64"/>
        <source>discharge</source>
        <translation>ra viện</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="67"/>
        <source>mild</source>
        <translation>nhẹ</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="68"/>
        <source>moderate</source>
        <translation>trung bình</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="69"/>
        <source>severe</source>
        <translation>nặng</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="72"/>
        <source>normal</source>
        <translation>bình thường</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="73"/>
        <source>low</source>
        <translation>thấp</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="74"/>
        <source>high</source>
        <translation>cao</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="75"/>
        <source>abnormal</source>
        <translation>bất thường</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="78"/>
        <source>progress note</source>
        <translation>diễn biến bệnh</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="79"/>
        <source>admission note</source>
        <translation>bệnh án nhập viện</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="80"/>
        <source>daily treatment sheet</source>
        <translation>tờ điều trị</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="81"/>
        <source>discharge summary</source>
        <translation>tóm tắt ra viện</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="82"/>
        <source>consultation note</source>
        <translation>biên bản hội chẩn</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="83"/>
        <source>nursing note</source>
        <translation>phiếu chăm sóc</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="86"/>
        <source>temperature</source>
        <translation>nhiệt độ</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="87"/>
        <source>pulse</source>
        <translation>mạch</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="88"/>
        <source>respiratory rate</source>
        <translation>nhịp thở</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="89"/>
        <source>systolic BP</source>
        <translation>huyết áp tâm thu</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="90"/>
        <source>diastolic BP</source>
        <translation>huyết áp tâm trương</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="91"/>
        <source>SpO₂</source>
        <translation>SpO₂</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="92"/>
        <source>weight</source>
        <translation>cân nặng</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="93"/>
        <source>height</source>
        <translation>chiều cao</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="94"/>
        <source>blood glucose</source>
        <translation>đường huyết</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="139"/>
        <source>%n month(s)</source>
        <translation>%n tháng tuổi</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="141"/>
        <source>%n year(s)</source>
        <translation>%n tuổi</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <location filename="../../ui/login.py" line="120"/>
        <source>EMR Desktop</source>
        <translation>Bệnh án điện tử</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="121"/>
        <source>&amp;Username</source>
        <translation>&amp;Tên đăng nhập</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="122"/>
        <source>&amp;Password</source>
        <translation>&amp;Mật khẩu</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="123"/>
        <source>&amp;Language</source>
        <translation>&amp;Ngôn ngữ</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="127"/>
        <source>Sign in</source>
        <translation>Đăng nhập</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="127"/>
        <source>Unlock</source>
        <translation>Mở khóa</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="128"/>
        <source>Another user</source>
        <translation>Người khác đăng nhập</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="131"/>
        <source>Locked. {name} can unlock with their password, or another user can sign in.</source>
        <translation>Màn hình đã khóa. {name} nhập mật khẩu để mở khóa, hoặc người khác đăng nhập.</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="135"/>
        <source>Sign in to open patient records.</source>
        <translation>Đăng nhập để mở hồ sơ bệnh án.</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="188"/>
        <source>Enter your username and password.</source>
        <translation>Nhập tên đăng nhập và mật khẩu.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ui/main_window.py" line="290"/>
        <source>EMR Desktop — electronic medical records</source>
        <extracomment>Built at the first login (it needs the store and the services).</extracomment>
        <translation>Bệnh án điện tử — EMR Desktop</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="291"/>
        <source>&amp;Session</source>
        <translation>&amp;Phiên làm việc</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="292"/>
        <source>&amp;Language</source>
        <translation>&amp;Ngôn ngữ</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="293"/>
        <source>&amp;Lock screen</source>
        <translation>&amp;Khóa màn hình</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="294"/>
        <source>Log &amp;out</source>
        <translation>Đăng &amp;xuất</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="295"/>
        <source>&amp;Find patient</source>
        <translation>&amp;Tìm bệnh nhân</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="296"/>
        <source>&amp;Quit</source>
        <translation>T&amp;hoát</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="307"/>
        <source>Signed in: {name} ({role})</source>
        <translation>Người dùng: {name} ({role})</translation>
    </message>
</context>
<context>
    <name>Workspace</name>
    <message>
        <location filename="../../ui/main_window.py" line="176"/>
        <source>Patients</source>
        <extracomment>The screens of the workspace, loaded after the login window is up (`preload_screens`): with them come SQLAlchemy, the services and reportlab, most of the start-up time. How long an information message stays (errors stay until closed or replaced).</extracomment>
        <translation>Bệnh nhân</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="177"/>
        <source>Ward board</source>
        <translation>Sơ đồ giường bệnh</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="178"/>
        <source>Nursing</source>
        <translation>Điều dưỡng</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="179"/>
        <source>Sync review</source>
        <translation>Xử lý đồng bộ</translation>
    </message>
</context>
</TS>
