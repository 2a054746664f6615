<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>ChartPrintButton</name>
    <message>
        <location filename="../../ui/documents.py" line="979"/>
        <source>&amp;Print</source>
        <extracomment>A preview opened. Preparing a document started (True) or ended (False).</extracomment>
        <translation>&amp;In</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="980"/>
        <source>Print a document of this chart</source>
        <translation>In giấy tờ của hồ sơ này</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="1019"/>
        <source>Loading…</source>
        <translation>Đang tải…</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="1022"/>
        <source>Nothing to print yet</source>
        <translation>Chưa có gì để in</translation>
    </message>
</context>
<context>
    <name>DocumentKinds</name>
    <message>
        <location filename="../../ui/documents.py" line="95"/>
        <source>Prescription</source>
        <extracomment>Pages are rendered for the printer at most at this resolution: sharp text and barcodes, and an A4 page stays about 35 MB in memory whatever the printer claims (some say 1200). The papers a prescription can be printed on (A5 is the usual form, A4 the usual tray). Entries of one kind in the chart&apos;s Print menu (newest first; older ones are printed from their own tab).</extracomment>
        <translation>Đơn thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="96"/>
        <source>Discharge letter</source>
        <translation>Giấy ra viện</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="97"/>
        <source>Laboratory report</source>
        <translation>Phiếu kết quả xét nghiệm</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="98"/>
        <source>Imaging report</source>
        <translation>Phiếu kết quả chẩn đoán hình ảnh</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="99"/>
        <source>Visit summary</source>
        <translation>Tóm tắt lần khám</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="100"/>
        <source>Referral letter</source>
        <translation>Giấy chuyển tuyến</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="101"/>
        <source>Whole chart (extract)</source>
        <translation>Hồ sơ bệnh án (bản trích xuất)</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="102"/>
        <source>Medication administration record</source>
        <translation>Phiếu theo dõi dùng thuốc</translation>
    </message>
</context>
<context>
    <name>DocumentPreview</name>
    <message>
        <location filename="../../ui/documents.py" line="511"/>
        <source>{document} · MRN {mrn}</source>
        <extracomment>The document was sent to the printer and the print recorded: pages, copies. The document was saved (exported) to this file.</extracomment>
        <translation>{document} · Mã BN {mrn}</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="515"/>
        <source>Pape&amp;r:</source>
        <translation>&amp;Khổ giấy:</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="516"/>
        <source>&amp;Print…</source>
        <translation>&amp;In…</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="517"/>
        <source>&amp;Save as PDF…</source>
        <translation>&amp;Lưu PDF…</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="518"/>
        <source>&amp;Close</source>
        <translation>Đó&amp;ng</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="527"/>
        <source>The document could not be opened.</source>
        <translation>Không mở được giấy tờ.</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="551"/>
        <source>Preparing the document…</source>
        <translation>Đang chuẩn bị giấy tờ…</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="613"/>
        <source>Print at most {count} copies at a time.</source>
        <translation>Mỗi lần in tối đa {count} bản.</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="624"/>
        <source>The printer could not be opened.</source>
        <translation>Không mở được máy in.</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="629"/>
        <source>Printing…</source>
        <translation>Đang in…</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="632"/>
        <source>Sending the pages to the printer…</source>
        <translation>Đang gửi các trang tới máy in…</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="633"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="660"/>
        <source>The document was not printed.</source>
        <translation>Giấy tờ chưa được in.</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="662"/>
        <source>Recording the print…</source>
        <translation>Đang ghi nhận lần in…</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="677"/>
        <source>Sent to the printer.</source>
        <translation>Đã gửi tới máy in.</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="679"/>
        <source>{document} sent to the printer.</source>
        <translation>Đã gửi {document} tới máy in.</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="696"/>
        <source>Save as PDF</source>
        <translation>Lưu thành tệp PDF</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="696"/>
        <source>PDF documents (*.pdf)</source>
        <translation>Tài liệu PDF (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="705"/>
        <source>Saving…</source>
        <translation>Đang lưu…</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="721"/>
        <source>Saved as {file}.</source>
        <translation>Đã lưu thành {file}.</translation>
    </message>
</context>
<context>
    <name>PdfPages</name>
    <message>
        <location filename="../../ui/documents.py" line="354"/>
        <source>Fit &amp;width</source>
        <extracomment>Sheets painted so far. The job ended: True when every sheet was painted and the printer finished the job. Each copy collated (1 2 3, 1 2 3) when the program makes the copies itself.</extracomment>
        <translation>Vừa chiều &amp;rộng</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="355"/>
        <source>W&amp;hole page</source>
        <translation>&amp;Cả trang</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="356"/>
        <source>Zoom out</source>
        <translation>Thu nhỏ</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="357"/>
        <source>Zoom in</source>
        <translation>Phóng to</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="428"/>
        <source>Page {current}/{total}</source>
        <translation>Trang {current}/{total}</translation>
    </message>
</context>
<context>
    <name>PrintPrescriptionButton</name>
    <message>
        <location filename="../../ui/documents.py" line="1080"/>
        <source>Pri&amp;nt prescription…</source>
        <translation>In đơn thuố&amp;c…</translation>
    </message>
</context>
<context>
    <name>ReferralDialog</name>
    <message>
        <location filename="../../ui/documents.py" line="816"/>
        <source>Referral letter</source>
        <translation>Giấy chuyển tuyến</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="818"/>
        <source>Referred &amp;to (facility):</source>
        <translation>&amp;Nơi chuyển đến (cơ sở khám, chữa bệnh):</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="819"/>
        <source>&amp;Reason for referral:</source>
        <translation>&amp;Lý do chuyển tuyến:</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="820"/>
        <source>Patient&apos;s &amp;condition at transfer:</source>
        <translation>&amp;Tình trạng người bệnh lúc chuyển tuyến:</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="821"/>
        <source>Treatment &amp;direction:</source>
        <translation>&amp;Hướng điều trị:</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="822"/>
        <source>Means of trans&amp;port:</source>
        <translation>&amp;Phương tiện vận chuyển:</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="823"/>
        <source>&amp;Escort (name, title):</source>
        <translation>Người &amp;hộ tống (họ tên, chức danh):</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="835"/>
        <source>Enter where the patient is referred to.</source>
        <translation>Nhập nơi chuyển người bệnh đến.</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="837"/>
        <source>Enter the reason for referral.</source>
        <translation>Nhập lý do chuyển tuyến.</translation>
    </message>
    <message>
        <location filename="../../ui/documents.py" line="840"/>
        <source>Describe the patient&apos;s condition at transfer.</source>
        <translation>Nhập tình trạng người bệnh lúc chuyển tuyến.</translation>
    </message>
</context>
</TS>
