<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
    <context>
        <name>ImagingReportsModel</name>
        <message>
            <location filename="../../ui/imaging/report.py" line="76" />
            <source>Time</source>
            <translation>Thời gian</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="77" />
            <source>Conclusion</source>
            <translation>Kết luận</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="78" />
            <source>Status</source>
            <translation>Trạng thái</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="153" />
            <source>Signed by {signer}, {time}</source>
            <translation>Đã ký: {signer}, {time}</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="157" />
            <source>Draft by {author}</source>
            <translation>Bản nháp của {author}</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="161" />
            <source>{status} (amended)</source>
            <translation>{status} (đã đính chính)</translation>
        </message>
    </context>
    <context>
        <name>KeyImage</name>
        <message>
            <location filename="../../ui/imaging/report.py" line="744" />
            <source>The picture could not be encoded as PNG; no key image was kept.</source>
            <extracomment>A key image's title is an attachment's: at most this long.</extracomment>
            <translation>Không chuyển được hình sang định dạng PNG; chưa lưu ảnh chính nào.</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="752" />
            <source>Key image kept in the chart: {title}</source>
            <translation>Đã lưu ảnh chính vào hồ sơ: {title}</translation>
        </message>
    </context>
    <context>
        <name>ReportPanel</name>
        <message>
            <location filename="../../ui/imaging/report.py" line="344" />
            <source>&amp;Order:</source>
            <extracomment>A report was saved (its event id); the chart has been told it changed. The report the form changes (the author's draft, or one to amend); None: a new one. What the report being changed answers (order id or "", service code), to choose once the choices are known.</extracomment>
            <translation>C&amp;hỉ định:</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="345" />
            <source>Ser&amp;vice:</source>
            <translation>Dịch &amp;vụ:</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="346" />
            <source>&amp;Findings:</source>
            <translation>&amp;Mô tả:</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="347" />
            <source>Co&amp;nclusion:</source>
            <translation>Kết l&amp;uận:</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="348" />
            <source>&amp;Reason for the amendment:</source>
            <translation>&amp;Lý do đính chính:</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="349" />
            <source>What the images show…</source>
            <translation>Những gì thấy trên ảnh…</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="350" />
            <source>What it means for the patient…</source>
            <translation>Ý nghĩa đối với người bệnh…</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="351" />
            <source>Cancel</source>
            <translation>Hủy</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="352" />
            <source>Save &amp;draft</source>
            <translation>Lưu &amp;nháp</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="353" />
            <source>&amp;Sign…</source>
            <translation>&amp;Ký…</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="354" />
            <source>Your role may read imaging reports but not write them.</source>
            <translation>Vai trò của bạn chỉ được xem, không được viết kết quả chẩn đoán hình ảnh.</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="470" />
            <source>Choose a study to read or write its report.</source>
            <translation>Chọn một ca chụp để xem hoặc viết kết quả.</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="472" />
            <source>No report of this study yet.</source>
            <translation>Chưa có kết quả của ca chụp này.</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="474" />
            <source>Reports of this study</source>
            <translation>Kết quả của ca chụp này</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="487" />
            <source>Findings:</source>
            <translation>Mô tả:</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="490" />
            <source>Conclusion:</source>
            <translation>Kết luận:</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="499" />
            <source>&amp;Edit draft</source>
            <translation>&amp;Sửa bản nháp</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="501" />
            <source>&amp;Amend…</source>
            <translation>Đính &amp;chính…</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="509" />
            <source>New report</source>
            <translation>Kết quả mới</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="511" />
            <source>Amend the report (the original is kept)</source>
            <translation>Đính chính kết quả (bản gốc được giữ lại)</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="513" />
            <source>Edit the draft report</source>
            <translation>Sửa bản nháp kết quả</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="529" />
            <source>Answers the order: {order}</source>
            <translation>Trả lời chỉ định: {order}</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="545" />
            <source>No order here (images ordered elsewhere)</source>
            <translation>Không có chỉ định tại đây (ảnh chụp theo chỉ định nơi khác)</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="617" />
            <source>Reason for the amendment: say why the signed report is corrected.</source>
            <translation>Lý do đính chính: hãy nêu vì sao kết quả đã ký được sửa.</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="625" />
            <source>Sign this imaging report: once signed it can no longer be changed, only amended.</source>
            <translation>Ký kết quả chẩn đoán hình ảnh này: đã ký thì không sửa được nữa, chỉ có thể đính chính.</translation>
        </message>
        <message>
            <location filename="../../ui/imaging/report.py" line="628" />
            <source>Sign report</source>
            <translation>Ký kết quả</translation>
        </message>
    </context>
</TS>