<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>ImageCanvas</name>
    <message>
        <location filename="../../ui/imaging/canvas.py" line="218"/>
        <source>%1 px (no pixel spacing)</source>
        <extracomment>What a left-button drag does. Slices jumped by PageUp / PageDown. A window/level drag moved by (dx, dy) screen pixels. Move this many slices (wheel, arrow keys, PageUp/PageDown). Go to the first (False) or the last (True) slice (Home / End). The image with this token was painted for the first time. The view changed (zoom, rotation...): the overlay&apos;s zoom text follows. A distance was measured: its text (&quot;12,4 mm&quot;). Finished measurements by image token, and the first point of one under way.</extracomment>
        <translation>%1 px (không có khoảng cách điểm ảnh)</translation>
    </message>
</context>
<context>
    <name>ImagingTab</name>
    <message>
        <location filename="../../ui/imaging/tab.py" line="84"/>
        <source>Imaging</source>
        <extracomment>What the last send to the PACS did (text, whether it failed), kept on show.</extracomment>
        <translation>Hình ảnh</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/tab.py" line="87"/>
        <source>Import from disc/USB…</source>
        <translation>Nhập từ đĩa/USB…</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/tab.py" line="88"/>
        <source>Search the PACS…</source>
        <translation>Tìm trên PACS…</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/tab.py" line="89"/>
        <source>Refresh</source>
        <translation>Làm mới</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/tab.py" line="90"/>
        <source>Send to the PACS</source>
        <translation>Gửi lên PACS</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/tab.py" line="92"/>
        <source>Send the images imported here to the PACS: every PC can then view them</source>
        <translation>Gửi ảnh nhập trên máy này lên PACS: mọi máy đều xem được</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/tab.py" line="94"/>
        <source>Keep as key image</source>
        <translation>Lưu làm ảnh chính</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/tab.py" line="96"/>
        <source>Keep the image as shown, with its measurement, in the chart&apos;s documents</source>
        <translation>Lưu ảnh đang xem, cùng phép đo, vào tài liệu của hồ sơ</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/tab.py" line="178"/>
        <source>No images in this chart yet: import them from a disc or search the PACS.</source>
        <translation>Hồ sơ chưa có ảnh nào: nhập từ đĩa CD/USB hoặc tìm trên PACS.</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/tab.py" line="292"/>
        <source>Sending the images to the PACS…</source>
        <translation>Đang gửi ảnh lên PACS…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/imaging/tab.py" line="299"/>
        <source>The PACS holds the %n image(s) of the study: every PC can view it.</source>
        <translation>
            <numerusform>PACS đã giữ đủ %n ảnh của ca chụp: mọi máy đều xem được.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/imaging/tab.py" line="307"/>
        <source>The PACS refused %1 of %2 images; try again later.</source>
        <translation>PACS từ chối %1/%2 ảnh; hãy thử lại sau.</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <location filename="../../ui/imaging/importer.py" line="131"/>
        <source>Import images from a disc or USB</source>
        <extracomment>Damaged files listed by name (the rest are counted). A study was saved in the chart: its StudyInstanceUID.</extracomment>
        <translation>Nhập ảnh từ đĩa hoặc USB</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="134"/>
        <source>Choose the DICOM files, the DICOMDIR or the folder of the disc for %1.</source>
        <translation>Chọn các tệp DICOM, tệp DICOMDIR hoặc thư mục của đĩa để đưa vào hồ sơ của %1.</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="137"/>
        <source>Choose files…</source>
        <translation>Chọn tệp…</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="138"/>
        <source>Choose a folder…</source>
        <translation>Chọn thư mục…</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="139"/>
        <location filename="../../ui/imaging/importer.py" line="145"/>
        <source>Import</source>
        <translation>Nhập</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="141"/>
        <source>I have checked: the ticked studies are images of this patient</source>
        <translation>Tôi đã kiểm tra: các ca chụp đã đánh dấu là ảnh của bệnh nhân này</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="146"/>
        <source>Date</source>
        <translation>Ngày chụp</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="147"/>
        <source>Modality</source>
        <translation>Loại</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="148"/>
        <source>Description</source>
        <translation>Mô tả</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="149"/>
        <source>Images</source>
        <translation>Số ảnh</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="150"/>
        <source>Patient in the images</source>
        <translation>Bệnh nhân trên ảnh</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="151"/>
        <source>Chart found</source>
        <translation>Hồ sơ khớp</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="152"/>
        <source>Notes</source>
        <translation>Ghi chú</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="161"/>
        <source>DICOM files or DICOMDIR</source>
        <translation>Tệp DICOM hoặc DICOMDIR</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="163"/>
        <source>DICOM files (*.dcm *.DCM DICOMDIR *)</source>
        <translation>Tệp DICOM (*.dcm *.DCM DICOMDIR *)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="169"/>
        <source>Folder of the disc</source>
        <translation>Thư mục của đĩa</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="178"/>
        <source>Reading the files…</source>
        <translation>Đang đọc các tệp…</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="202"/>
        <source>No DICOM images were found in what you chose.</source>
        <translation>Không tìm thấy ảnh DICOM nào trong những gì đã chọn.</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="205"/>
        <source>Looking for the patient&apos;s chart…</source>
        <translation>Đang tìm hồ sơ của bệnh nhân…</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="234"/>
        <source>Tick the studies to import, then press Import.</source>
        <translation>Đánh dấu các ca chụp cần nhập rồi bấm Nhập.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/imaging/importer.py" line="242"/>
        <source>… and %n more file(s)</source>
        <translation>
            <numerusform>… và %n tệp khác</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="262"/>
        <source>checking…</source>
        <translation>đang kiểm tra…</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="264"/>
        <source>no chart found</source>
        <translation>không tìm thấy hồ sơ</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="266"/>
        <source>ANOTHER patient&apos;s chart</source>
        <translation>hồ sơ của bệnh nhân KHÁC</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="268"/>
        <source>this chart (record number)</source>
        <translation>hồ sơ này (theo mã bệnh nhân)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="269"/>
        <source>this chart (CCCD)</source>
        <translation>hồ sơ này (theo CCCD)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="270"/>
        <source>this chart (name and birth date)</source>
        <translation>hồ sơ này (theo họ tên và ngày sinh)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="272"/>
        <source>this chart</source>
        <translation>hồ sơ này</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/imaging/importer.py" line="281"/>
        <source>%n damaged file(s): only the readable images are imported</source>
        <translation>
            <numerusform>%n tệp hỏng: chỉ nhập các ảnh đọc được</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/imaging/importer.py" line="360"/>
        <source>%n study(ies) imported into the chart.</source>
        <translation>
            <numerusform>Đã nhập %n ca chụp vào hồ sơ.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/imaging/importer.py" line="367"/>
        <source>Importing study %1 of %2…</source>
        <translation>Đang nhập ca chụp %1/%2…</translation>
    </message>
</context>
<context>
    <name>PacsPanel</name>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="279"/>
        <source>Images in the PACS</source>
        <extracomment>A study was fetched into the chart: its StudyInstanceUID.</extracomment>
        <translation>Ảnh trên PACS</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="282"/>
        <source>Studies of %1 in the hospital&apos;s PACS (patient ID %2).</source>
        <translation>Các ca chụp của %1 trên PACS của bệnh viện (mã bệnh nhân %2).</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="284"/>
        <source> or </source>
        <translation> hoặc </translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="286"/>
        <source>Search again</source>
        <translation>Tìm lại</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="287"/>
        <source>Fetch to this PC</source>
        <translation>Tải về máy này</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="288"/>
        <source>I have checked: these images are of this patient</source>
        <translation>Tôi đã kiểm tra: đây là ảnh của bệnh nhân này</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="291"/>
        <source>Date</source>
        <translation>Ngày chụp</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="292"/>
        <source>Modality</source>
        <translation>Loại</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="293"/>
        <source>Description</source>
        <translation>Mô tả</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="294"/>
        <source>Images</source>
        <translation>Số ảnh</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="295"/>
        <source>In the chart</source>
        <translation>Trong hồ sơ</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="306"/>
        <source>Searching the PACS…</source>
        <translation>Đang tìm trên PACS…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/imaging/pacs.py" line="318"/>
        <source>%n study(ies) found.</source>
        <translation>
            <numerusform>Tìm thấy %n ca chụp.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="321"/>
        <source>The PACS has no study of this patient.</source>
        <translation>PACS không có ca chụp nào của bệnh nhân này.</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="335"/>
        <source>yes</source>
        <translation>có</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="374"/>
        <source>The PACS names the patient differently:</source>
        <translation>Thông tin bệnh nhân trên PACS khác hồ sơ:</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="399"/>
        <source>Listing the series…</source>
        <translation>Đang lấy danh sách loạt ảnh…</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="405"/>
        <source>Adding the study to the chart…</source>
        <translation>Đang thêm ca chụp vào hồ sơ…</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="422"/>
        <source>The study is on this PC now.</source>
        <translation>Ca chụp đã được tải về máy này.</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/pacs.py" line="429"/>
        <source>Fetching series %1 of %2…</source>
        <translation>Đang tải loạt %1/%2…</translation>
    </message>
</context>
<context>
    <name>SeriesBrowser</name>
    <message>
        <location filename="../../ui/imaging/browser.py" line="82"/>
        <source>no date</source>
        <extracomment>The user chose a series: the study and the series.</extracomment>
        <translation>không rõ ngày</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/browser.py" line="86"/>
        <source>PACS</source>
        <translation>PACS</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/browser.py" line="86"/>
        <source>from disc</source>
        <translation>nhập từ đĩa</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/imaging/browser.py" line="92"/>
        <source>%n image(s)</source>
        <translation>
            <numerusform>%n ảnh</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/imaging/browser.py" line="192"/>
        <source>The images of this series are not on this PC</source>
        <translation>Ảnh của loạt này không có trên máy này</translation>
    </message>
</context>
<context>
    <name>SeriesViewer</name>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="254"/>
        <source>Pan</source>
        <extracomment>Decoded frames kept (float32: a 512×512 CT slice is 1 MB). Bytes of multi-frame instances kept (one fetch serves all their frames). Slices decoded ahead in the direction of travel, and behind. Fetch-and-decode jobs outstanding at once. A series is open: the number of its slices. A slice was painted for the first time since it was asked for: its index. The window changed: centre, width. Seconds (perf_counter) when the series was asked for, and to its first paint.</extracomment>
        <translation>Di chuyển</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="255"/>
        <source>Drag to move the image (right-drag: window/level)</source>
        <translation>Kéo để di chuyển ảnh (kéo chuột phải: chỉnh cửa sổ)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="256"/>
        <source>W/L</source>
        <translation>Cửa sổ W/L</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="258"/>
        <source>Drag to change the window: across for its width, up and down for its level</source>
        <translation>Kéo để chỉnh cửa sổ: ngang đổi độ rộng, lên xuống đổi mức</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="260"/>
        <source>Distance</source>
        <translation>Đo khoảng cách</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="262"/>
        <source>Click two points to measure the distance between them</source>
        <translation>Bấm hai điểm để đo khoảng cách giữa chúng</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="264"/>
        <source>Window</source>
        <translation>Cửa sổ</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="265"/>
        <source>As in the image</source>
        <translation>Theo ảnh</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="266"/>
        <source>Full range</source>
        <translation>Toàn dải</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="268"/>
        <source>Lung</source>
        <translation>Phổi</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="269"/>
        <source>Bone</source>
        <translation>Xương</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="270"/>
        <source>Brain</source>
        <translation>Não</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="271"/>
        <source>Abdomen</source>
        <translation>Bụng</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="272"/>
        <source>Soft tissue</source>
        <translation>Mô mềm</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="277"/>
        <source>%1 (W %2, L %3)</source>
        <translation>%1 (W %2, L %3)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="282"/>
        <source>Invert</source>
        <translation>Đảo màu</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="283"/>
        <source>Zoom in</source>
        <translation>Phóng to</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="284"/>
        <source>Zoom out</source>
        <translation>Thu nhỏ</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="285"/>
        <source>Rotate</source>
        <translation>Xoay</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="286"/>
        <source>Rotate 90° clockwise (R)</source>
        <translation>Xoay 90° theo chiều kim đồng hồ (R)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="287"/>
        <source>Flip H</source>
        <translation>Lật ngang</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="288"/>
        <source>Mirror left to right (H)</source>
        <translation>Lật trái sang phải (H)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="289"/>
        <source>Flip V</source>
        <translation>Lật dọc</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="290"/>
        <source>Mirror top to bottom (V)</source>
        <translation>Lật trên xuống dưới (V)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="291"/>
        <source>Reset</source>
        <translation>Đặt lại</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="292"/>
        <source>Back to the whole image and its own window (0)</source>
        <translation>Về toàn ảnh và cửa sổ gốc của ảnh (0)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="294"/>
        <source>Pause</source>
        <translation>Dừng</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="294"/>
        <source>Play</source>
        <translation>Phát</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="296"/>
        <source>Play the slices or frames as a loop (Space)</source>
        <translation>Phát liên tục các lát hoặc khung hình (phím cách)</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="298"/>
        <source>%1 frames/s</source>
        <translation>%1 hình/giây</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="321"/>
        <source>Opening the series…</source>
        <translation>Đang mở loạt ảnh…</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="344"/>
        <source>This series has no images.</source>
        <translation>Loạt này không có ảnh nào.</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="624"/>
        <source>MRN %1</source>
        <translation>Mã BN %1</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="633"/>
        <source>Slice %1/%2</source>
        <translation>Lát %1/%2</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="640"/>
        <source>W %1 · L %2</source>
        <translation>W %1 · L %2</translation>
    </message>
    <message>
        <location filename="../../ui/imaging/viewer.py" line="646"/>
        <source>Zoom %1%</source>
        <translation>Thu phóng %1%</translation>
    </message>
</context>
</TS>
