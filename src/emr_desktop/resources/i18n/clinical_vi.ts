<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>ClinicalRecords</name>
    <message>
        <location filename="../../ui/chart/notes.py" line="87"/>
        <source>Draft by {author}</source>
        <translation>Bản nháp của {author}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="91"/>
        <source>Signed by {signer}</source>
        <translation>Đã ký: {signer}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="272"/>
        <source>{status}, amended</source>
        <extracomment>The event&apos;s id, for the screens that act on the selected row. Column titles, marked with `QT_TRANSLATE_NOOP(CONTEXT, ...)`.</extracomment>
        <translation>{status}, đã đính chính</translation>
    </message>
</context>
<context>
    <name>DiagnosesModel</name>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="133"/>
        <source>Time</source>
        <translation>Thời gian</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="134"/>
        <source>ICD-10</source>
        <translation>Mã ICD-10</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="135"/>
        <source>Diagnosis</source>
        <translation>Chẩn đoán</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="136"/>
        <source>Rank</source>
        <translation>Loại</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="137"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="138"/>
        <source>Doctor</source>
        <translation>Bác sĩ</translation>
    </message>
</context>
<context>
    <name>DiagnosesTab</name>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="54"/>
        <source>primary</source>
        <translation>bệnh chính</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="55"/>
        <source>secondary</source>
        <translation>bệnh kèm theo</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="281"/>
        <source>Add a diagnosis</source>
        <extracomment>What the signature panel confirms: (&quot;add&quot;, &quot;&quot;) or (&quot;sign&quot;/&quot;error&quot;, event id).</extracomment>
        <translation>Thêm chẩn đoán</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="282"/>
        <source>&amp;ICD-10:</source>
        <translation>&amp;ICD-10:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="284"/>
        <source>Code or name, without diacritics if you like: J18, viem phoi</source>
        <translation>Mã hoặc tên bệnh, gõ không dấu cũng được: J18, viem phoi</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="286"/>
        <source>&amp;Rank:</source>
        <translation>&amp;Loại:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="287"/>
        <source>&amp;Wording:</source>
        <translation>&amp;Diễn giải:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="288"/>
        <source>Add as &amp;draft</source>
        <translation>Lưu &amp;nháp</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="289"/>
        <source>Add and si&amp;gn…</source>
        <translation>Lưu và &amp;ký…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="290"/>
        <source>&amp;Sign…</source>
        <translation>&amp;Ký…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="291"/>
        <source>Entered in &amp;error…</source>
        <translation>Ghi &amp;nhầm…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="308"/>
        <source>Only doctors record diagnoses.</source>
        <translation>Chỉ bác sĩ được ghi chẩn đoán.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/diagnoses.py" line="374"/>
        <source>first %n found; type more</source>
        <translation>
            <numerusform>%n kết quả đầu; gõ thêm để thu hẹp</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/diagnoses.py" line="376"/>
        <source>%n found</source>
        <translation>
            <numerusform>tìm thấy %n</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="398"/>
        <source>Search, then choose a diagnosis from the list.</source>
        <translation>Tìm rồi chọn một chẩn đoán trong danh sách.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="401"/>
        <source>Chosen: {code} — {name}</source>
        <translation>Đã chọn: {code} — {name}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="409"/>
        <source>Choose a diagnosis from the search results.</source>
        <translation>Hãy chọn một chẩn đoán trong kết quả tìm kiếm.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="418"/>
        <source>This visit already has a primary diagnosis ({code}). Add this one as secondary, or mark the other entered in error first.</source>
        <translation>Lượt khám này đã có bệnh chính ({code}). Hãy thêm chẩn đoán này là bệnh kèm theo, hoặc đánh dấu ghi nhầm bệnh chính kia trước.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="443"/>
        <location filename="../../ui/chart/diagnoses.py" line="508"/>
        <source>Sign the diagnosis {code}.</source>
        <translation>Ký chẩn đoán {code}.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="444"/>
        <location filename="../../ui/chart/diagnoses.py" line="509"/>
        <source>Sign diagnosis</source>
        <translation>Ký chẩn đoán</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="483"/>
        <location filename="../../ui/chart/diagnoses.py" line="541"/>
        <source>Diagnosis signed.</source>
        <translation>Đã ký chẩn đoán.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="483"/>
        <source>Diagnosis saved as a draft.</source>
        <translation>Đã lưu nháp chẩn đoán.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="518"/>
        <source>Mark the diagnosis {code} as entered in error.</source>
        <translation>Đánh dấu chẩn đoán {code} là ghi nhầm.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="521"/>
        <source>Mark entered in error</source>
        <translation>Đánh dấu ghi nhầm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="551"/>
        <source>The diagnosis was marked entered in error.</source>
        <translation>Đã đánh dấu chẩn đoán là ghi nhầm.</translation>
    </message>
</context>
<context>
    <name>DrugResultsModel</name>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="262"/>
        <source>Drug</source>
        <extracomment>Set when the prescriber changed the quantity; None: the computed one.</extracomment>
        <translation>Thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="263"/>
        <source>Active ingredient</source>
        <translation>Hoạt chất</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="264"/>
        <source>Form</source>
        <translation>Dạng bào chế</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="265"/>
        <source>Unit</source>
        <translation>Đơn vị</translation>
    </message>
</context>
<context>
    <name>Icd10ResultsModel</name>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="77"/>
        <source>Code</source>
        <extracomment>Most results a search shows: the doctor narrows by typing more.</extracomment>
        <translation>Mã</translation>
    </message>
    <message>
        <location filename="../../ui/chart/diagnoses.py" line="78"/>
        <source>Diagnosis</source>
        <translation>Tên bệnh</translation>
    </message>
</context>
<context>
    <name>ItemsModel</name>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="298"/>
        <source>Drug</source>
        <translation>Thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="299"/>
        <source>How to take</source>
        <translation>Cách dùng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="300"/>
        <source>Days</source>
        <translation>Số ngày</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="301"/>
        <source>Quantity</source>
        <translation>Số lượng</translation>
    </message>
</context>
<context>
    <name>NotesModel</name>
    <message>
        <location filename="../../ui/chart/notes.py" line="458"/>
        <source>Time</source>
        <extracomment>The id the chart was opened with: announced with every change, as the chart view knows it. The surviving chart&apos;s id (after merges): new records go there.</extracomment>
        <translation>Thời gian</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="459"/>
        <source>Note</source>
        <translation>Ghi chép</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="460"/>
        <source>Author</source>
        <translation>Người viết</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="461"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
</context>
<context>
    <name>NotesTab</name>
    <message>
        <location filename="../../ui/chart/notes.py" line="629"/>
        <source>&amp;New note</source>
        <extracomment>What the editor is doing: writing a new note, editing a draft, amending a signed one. What the signature panel confirms: (&quot;sign&quot;, id), (&quot;error&quot;, id) or (&quot;save&quot;, &quot;&quot;).</extracomment>
        <translation>Ghi chép &amp;mới</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="630"/>
        <source>&amp;Edit draft</source>
        <translation>&amp;Sửa bản nháp</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="631"/>
        <source>&amp;Sign…</source>
        <translation>&amp;Ký…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="632"/>
        <source>&amp;Amend…</source>
        <translation>Đính &amp;chính…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="633"/>
        <source>Entered in &amp;error…</source>
        <translation>Ghi &amp;nhầm…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="634"/>
        <source>Save &amp;draft</source>
        <translation>Lưu &amp;nháp</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="635"/>
        <source>Save and si&amp;gn…</source>
        <translation>Lưu và &amp;ký…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="636"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="637"/>
        <source>&amp;Type:</source>
        <translation>&amp;Loại:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="638"/>
        <source>&amp;Progress, examination, assessment:</source>
        <translation>&amp;Diễn biến, khám, nhận định:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="639"/>
        <source>&amp;Orders of the day:</source>
        <translation>&amp;Y lệnh trong ngày:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="640"/>
        <source>&amp;Reason for the amendment:</source>
        <translation>&amp;Lý do đính chính:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="641"/>
        <source>What you found and what you think…</source>
        <translation>Diễn biến bệnh, kết quả khám và nhận định…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="668"/>
        <source>Your role may read notes but not write them.</source>
        <translation>Vai trò của bạn chỉ được xem, không được viết ghi chép.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/notes.py" line="674"/>
        <source>%n note(s)</source>
        <translation>
            <numerusform>%n ghi chép</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="709"/>
        <source>Select a note to read it, or write a new one.</source>
        <translation>Chọn một ghi chép để xem, hoặc viết ghi chép mới.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="711"/>
        <source>Select a note to read it.</source>
        <translation>Chọn một ghi chép để xem.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="742"/>
        <source>Amended version of an earlier note.</source>
        <translation>Bản đính chính của một ghi chép trước.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="749"/>
        <source>Orders of the day:</source>
        <translation>Y lệnh trong ngày:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="756"/>
        <source>New note</source>
        <translation>Ghi chép mới</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="757"/>
        <source>Edit draft note</source>
        <translation>Sửa bản nháp</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="758"/>
        <source>Amend a signed note (the original is kept)</source>
        <translation>Đính chính ghi chép đã ký (bản gốc vẫn được lưu)</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="838"/>
        <source>Note</source>
        <translation>Nội dung</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="839"/>
        <source>Orders of the day</source>
        <translation>Y lệnh trong ngày</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="840"/>
        <source>Reason for the amendment</source>
        <translation>Lý do đính chính</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="859"/>
        <source>Reason for the amendment: say why the signed note is corrected.</source>
        <translation>Lý do đính chính: ghi rõ vì sao sửa ghi chép đã ký.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="867"/>
        <source>Sign this note: once signed it can no longer be changed, only amended.</source>
        <translation>Ký ghi chép này: đã ký thì không sửa được nữa, chỉ có thể đính chính.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="868"/>
        <location filename="../../ui/chart/notes.py" line="932"/>
        <source>Sign note</source>
        <translation>Ký ghi chép</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="918"/>
        <location filename="../../ui/chart/notes.py" line="988"/>
        <source>Note signed.</source>
        <translation>Đã ký ghi chép.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="918"/>
        <source>Draft note saved.</source>
        <translation>Đã lưu nháp ghi chép.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="929"/>
        <source>Sign the note “{type}”: once signed it can no longer be changed.</source>
        <translation>Ký “{type}”: đã ký thì không sửa được nữa.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="943"/>
        <source>Mark the note “{type}” as entered in error (wrong patient, wrong entry). It leaves the chart; the record of it is kept.</source>
        <translation>Đánh dấu “{type}” là ghi nhầm (nhầm bệnh nhân, ghi sai). Ghi chép không còn hiện trong hồ sơ nhưng vẫn được lưu vết.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="946"/>
        <source>Mark entered in error</source>
        <translation>Đánh dấu ghi nhầm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="994"/>
        <source>The note was marked entered in error.</source>
        <translation>Đã đánh dấu ghi chép là ghi nhầm.</translation>
    </message>
</context>
<context>
    <name>OrdersModel</name>
    <message>
        <location filename="../../ui/chart/orders.py" line="220"/>
        <source>Time</source>
        <extracomment>Text colours of result flags: high and abnormal in red, low in blue.</extracomment>
        <translation>Thời gian</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="221"/>
        <source>Type</source>
        <translation>Loại</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="222"/>
        <source>Service</source>
        <translation>Dịch vụ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="223"/>
        <source>Priority</source>
        <translation>Mức độ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="224"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="225"/>
        <source>Result</source>
        <translation>Kết quả</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="226"/>
        <source>Flag</source>
        <translation>Đánh giá</translation>
    </message>
</context>
<context>
    <name>OrdersTab</name>
    <message>
        <location filename="../../ui/chart/orders.py" line="62"/>
        <source>Laboratory</source>
        <translation>Xét nghiệm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="63"/>
        <source>Imaging</source>
        <translation>Chẩn đoán hình ảnh</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="64"/>
        <source>Procedure</source>
        <translation>Thủ thuật</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="67"/>
        <source>routine</source>
        <translation>thường</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="68"/>
        <source>urgent</source>
        <translation>khẩn</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="69"/>
        <source>emergency (stat)</source>
        <translation>cấp cứu</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="482"/>
        <source>Order</source>
        <extracomment>Order id → its results, oldest first. What the signature panel confirms: (&quot;place&quot;, &quot;&quot;), (&quot;result&quot;, order id), (&quot;sign&quot;, event id) or (&quot;error&quot;, event id).</extracomment>
        <translation>Chỉ định</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="483"/>
        <source>&amp;Type:</source>
        <translation>&amp;Loại:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="484"/>
        <source>&amp;Find:</source>
        <translation>&amp;Tìm:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="485"/>
        <source>name or code, diacritics optional</source>
        <translation>tên hoặc mã, gõ không dấu cũng được</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="486"/>
        <source>&amp;Priority:</source>
        <translation>&amp;Mức độ:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="487"/>
        <source>&amp;Clinical indication:</source>
        <translation>&amp;Chẩn đoán/lý do chỉ định:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="488"/>
        <source>&amp;Order as draft</source>
        <translation>Lưu &amp;nháp chỉ định</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="489"/>
        <source>Order and si&amp;gn…</source>
        <translation>Chỉ định và &amp;ký…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="490"/>
        <source>Enter &amp;result…</source>
        <translation>Nhập &amp;kết quả…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="491"/>
        <source>&amp;Sign…</source>
        <translation>&amp;Ký…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="492"/>
        <source>Entered in &amp;error…</source>
        <translation>Ghi &amp;nhầm…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="493"/>
        <source>Lab result</source>
        <translation>Kết quả xét nghiệm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="494"/>
        <source>&amp;Value:</source>
        <translation>&amp;Giá trị:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="495"/>
        <source>Save result</source>
        <translation>Lưu kết quả</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="496"/>
        <source>Save and sign…</source>
        <translation>Lưu và ký…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="497"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="524"/>
        <source>Only doctors order; you may enter results.</source>
        <translation>Chỉ bác sĩ được chỉ định; bạn được nhập kết quả.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="526"/>
        <source>Only doctors order tests and procedures.</source>
        <translation>Chỉ bác sĩ được chỉ định xét nghiệm, chẩn đoán hình ảnh và thủ thuật.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/orders.py" line="571"/>
        <source>%n service(s) ticked</source>
        <translation>
            <numerusform>Đã chọn %n dịch vụ</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="576"/>
        <source>Tick at least one service to order.</source>
        <translation>Hãy đánh dấu ít nhất một dịch vụ để chỉ định.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/orders.py" line="604"/>
        <source>Sign %n order(s).</source>
        <translation>
            <numerusform>Ký %n chỉ định.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="604"/>
        <source>Sign orders</source>
        <translation>Ký chỉ định</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/orders.py" line="642"/>
        <source>%n order(s) signed.</source>
        <translation>
            <numerusform>Đã ký %n chỉ định.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/orders.py" line="644"/>
        <source>%n order(s) saved as drafts.</source>
        <translation>
            <numerusform>Đã lưu nháp %n chỉ định.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="678"/>
        <source>Indication: {text}</source>
        <translation>Lý do chỉ định: {text}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="692"/>
        <location filename="../../ui/chart/orders.py" line="737"/>
        <source>Reference: {range}</source>
        <translation>Khoảng tham chiếu: {range}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="725"/>
        <source>This test is no longer in the laboratory list.</source>
        <translation>Xét nghiệm này không còn trong danh mục xét nghiệm.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="739"/>
        <source>No reference range for this patient.</source>
        <translation>Không có khoảng tham chiếu cho bệnh nhân này.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="773"/>
        <source>Enter the result value.</source>
        <translation>Hãy nhập giá trị kết quả.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="780"/>
        <source>Sign the result {value} of {test}.</source>
        <translation>Ký kết quả {value} của {test}.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="783"/>
        <source>Sign result</source>
        <translation>Ký kết quả</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="820"/>
        <source>Result saved: {flag}.</source>
        <translation>Đã lưu kết quả: {flag}.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="822"/>
        <source>Result saved.</source>
        <translation>Đã lưu kết quả.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="833"/>
        <source>Sign “{service}”.</source>
        <translation>Ký “{service}”.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="834"/>
        <source>Sign</source>
        <translation>Ký</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="843"/>
        <source>Mark “{service}” as entered in error (or cancel the order).</source>
        <translation>Đánh dấu “{service}” là ghi nhầm (hoặc hủy chỉ định).</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="846"/>
        <source>Mark entered in error</source>
        <translation>Đánh dấu ghi nhầm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="868"/>
        <source>Signed.</source>
        <translation>Đã ký.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/orders.py" line="877"/>
        <source>Marked entered in error.</source>
        <translation>Đã đánh dấu ghi nhầm.</translation>
    </message>
</context>
<context>
    <name>PrescriptionsModel</name>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="356"/>
        <source>Time</source>
        <translation>Thời gian</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="357"/>
        <source>Drugs</source>
        <translation>Thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="358"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="359"/>
        <source>Doctor</source>
        <translation>Bác sĩ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="360"/>
        <source>National e-prescription</source>
        <translation>Đơn thuốc quốc gia</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="378"/>
        <source>Sent to the national e-prescription system</source>
        <translation>Đã gửi cổng đơn thuốc quốc gia</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="380"/>
        <source>Refused: {reasons}</source>
        <translation>Bị từ chối: {reasons}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="384"/>
        <source>Connection error, will retry at {time}</source>
        <translation>Lỗi kết nối, sẽ thử lại lúc {time}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="387"/>
        <source>Waiting to be sent</source>
        <translation>Chờ gửi</translation>
    </message>
</context>
<context>
    <name>PrescriptionsTab</name>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="89"/>
        <source>oral</source>
        <extracomment>How often the national status is read again while a prescription waits to be sent.</extracomment>
        <translation>uống</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="90"/>
        <source>sublingual</source>
        <translation>ngậm dưới lưỡi</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="91"/>
        <source>intramuscular injection</source>
        <translation>tiêm bắp</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="92"/>
        <source>intravenous injection</source>
        <translation>tiêm tĩnh mạch</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="93"/>
        <source>intravenous infusion</source>
        <translation>truyền tĩnh mạch</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="94"/>
        <source>subcutaneous injection</source>
        <translation>tiêm dưới da</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="95"/>
        <source>intradermal injection</source>
        <translation>tiêm trong da</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="96"/>
        <source>rectal</source>
        <translation>đặt hậu môn</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="97"/>
        <source>vaginal</source>
        <translation>đặt âm đạo</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="98"/>
        <source>eye drops</source>
        <translation>nhỏ mắt</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="99"/>
        <source>ear drops</source>
        <translation>nhỏ tai</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="100"/>
        <source>nasal</source>
        <translation>nhỏ mũi</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="101"/>
        <source>topical</source>
        <translation>bôi ngoài da</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="102"/>
        <source>inhalation</source>
        <translation>khí dung</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="103"/>
        <source>mouthwash</source>
        <translation>súc miệng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="658"/>
        <source>New prescription</source>
        <extracomment>Prescription id → its submission to the national system. What the signature panel confirms: (&quot;save&quot;, &quot;&quot;), (&quot;sign&quot;/&quot;error&quot;, event id).</extracomment>
        <translation>Kê đơn thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="659"/>
        <source>&amp;Drug:</source>
        <translation>&amp;Thuốc:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="661"/>
        <source>name or active ingredient, diacritics optional; Enter adds it</source>
        <translation>tên thuốc hoặc hoạt chất, gõ không dấu cũng được; Enter để thêm vào đơn</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="663"/>
        <source>Dosage of the selected drug</source>
        <translation>Liều dùng của thuốc đang chọn</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="664"/>
        <source>D&amp;ose:</source>
        <translation>&amp;Liều mỗi lần:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="665"/>
        <source>&amp;Route:</source>
        <translation>Đường &amp;dùng:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="666"/>
        <source>&amp;Times a day:</source>
        <translation>Số &amp;lần/ngày:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="667"/>
        <source>Da&amp;ys:</source>
        <translation>Số &amp;ngày:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="668"/>
        <source>&amp;Quantity:</source>
        <translation>Số l&amp;ượng:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="669"/>
        <source>&amp;Instructions:</source>
        <translation>&amp;Hướng dẫn:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="670"/>
        <source>e.g. sau ăn, trước khi ngủ</source>
        <translation>ví dụ: sau ăn, trước khi ngủ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="671"/>
        <source>Remove drug</source>
        <translation>Bỏ thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="673"/>
        <source>I have read the allergy warning and prescribe these drugs anyway.</source>
        <translation>Tôi đã đọc cảnh báo dị ứng và vẫn kê các thuốc này.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="675"/>
        <source>Ad&amp;vice:</source>
        <translation>&amp;Lời dặn:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="676"/>
        <source>Save &amp;draft</source>
        <translation>Lưu &amp;nháp</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="677"/>
        <source>Save and si&amp;gn…</source>
        <translation>Lưu và &amp;ký…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="678"/>
        <source>Clear</source>
        <translation>Làm lại</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="679"/>
        <source>&amp;Sign…</source>
        <translation>&amp;Ký…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="680"/>
        <source>Entered in &amp;error…</source>
        <translation>Ghi &amp;nhầm…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="681"/>
        <source>Send to the national system again</source>
        <translation>Gửi lại cổng đơn thuốc quốc gia</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="706"/>
        <source>Only doctors prescribe.</source>
        <translation>Chỉ bác sĩ được kê đơn thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="750"/>
        <location filename="../../ui/chart/prescriptions.py" line="1202"/>
        <source>Diagnoses: {codes}</source>
        <translation>Chẩn đoán: {codes}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="752"/>
        <source>No diagnosis recorded for this visit yet.</source>
        <translation>Lượt khám này chưa có chẩn đoán.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="843"/>
        <source>Dose: enter a number above 0, e.g. 1 or 0,5.</source>
        <translation>Liều: nhập một số lớn hơn 0, ví dụ 1 hoặc 0,5.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="853"/>
        <source>computed: {dose} × {times} × {days} days</source>
        <translation>tính theo liều: {dose} × {times} lần × {days} ngày</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="862"/>
        <source>less than the {computed} {unit} the dosage needs</source>
        <translation>ít hơn {computed} {unit} cần cho liều đã kê</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="869"/>
        <source>changed by you; computed: {computed} {unit}</source>
        <translation>đã sửa tay; theo liều: {computed} {unit}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="960"/>
        <source>ALLERGY: the patient is allergic to {drug} ({severity}{reaction}).</source>
        <translation>DỊ ỨNG: bệnh nhân dị ứng với {drug} ({severity}{reaction}).</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="963"/>
        <source>ALLERGY: {drug} contains {detail}; the patient is allergic to {substance} ({severity}{reaction}).</source>
        <translation>DỊ ỨNG: {drug} có chứa {detail}; bệnh nhân dị ứng với {substance} ({severity}{reaction}).</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="968"/>
        <source>ALLERGY: {drug} belongs to the {detail} group; the patient is allergic to {substance} ({severity}{reaction}).</source>
        <translation>DỊ ỨNG: {drug} thuộc nhóm {detail}; bệnh nhân dị ứng với {substance} ({severity}{reaction}).</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="981"/>
        <source>Duplicate: {drug} is listed twice.</source>
        <translation>Trùng thuốc: {drug} được kê hai lần.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="983"/>
        <source>Duplicate: {drug} and {other} both contain {ingredient}.</source>
        <translation>Trùng hoạt chất: {drug} và {other} đều chứa {ingredient}.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="985"/>
        <source>Duplicate: {drug} is already prescribed in this visit.</source>
        <translation>Trùng thuốc: {drug} đã được kê trong lượt khám này.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="988"/>
        <source>Duplicate: {drug} contains {ingredient}, already prescribed in this visit ({other}).</source>
        <translation>Trùng hoạt chất: {drug} chứa {ingredient}, đã được kê trong lượt khám này ({other}).</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="999"/>
        <source>Add at least one drug.</source>
        <translation>Hãy thêm ít nhất một thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1007"/>
        <source>{drug}: the dose must be a number above 0.</source>
        <translation>{drug}: liều phải là một số lớn hơn 0.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1015"/>
        <source>The drugs are still being checked; try again.</source>
        <translation>Đang kiểm tra các thuốc trong đơn; hãy thử lại.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1021"/>
        <source>Read the allergy warning and tick the acknowledgement, or remove the drug.</source>
        <translation>Hãy đọc cảnh báo dị ứng và đánh dấu xác nhận, hoặc bỏ thuốc đó khỏi đơn.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/chart/prescriptions.py" line="1037"/>
        <source>Sign the prescription of %n drug(s).</source>
        <translation>
            <numerusform>Ký đơn thuốc gồm %n thuốc.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1038"/>
        <location filename="../../ui/chart/prescriptions.py" line="1218"/>
        <source>Sign prescription</source>
        <translation>Ký đơn thuốc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1084"/>
        <location filename="../../ui/chart/prescriptions.py" line="1249"/>
        <source>Prescription signed.</source>
        <translation>Đã ký đơn thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1084"/>
        <source>Prescription saved as a draft.</source>
        <translation>Đã lưu nháp đơn thuốc.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1121"/>
        <source>National e-prescription {code}: {status}</source>
        <translation>Đơn thuốc quốc gia {code}: {status}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1161"/>
        <source>The national e-prescription system refused {count} prescription(s); correct the chart, then send again:</source>
        <translation>Hệ thống đơn thuốc quốc gia từ chối {count} đơn thuốc; sửa hồ sơ rồi gửi lại:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1187"/>
        <source>Queued for the national e-prescription system.</source>
        <translation>Đã đưa vào hàng đợi gửi cổng đơn thuốc quốc gia.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1193"/>
        <source>{days} days, {quantity} {unit}</source>
        <translation>{days} ngày, {quantity} {unit}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1205"/>
        <source>Advice: {text}</source>
        <translation>Lời dặn: {text}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1215"/>
        <source>Sign the prescription: {drugs}.</source>
        <translation>Ký đơn thuốc: {drugs}.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1227"/>
        <source>Cancel the prescription (entered in error): {drugs}.</source>
        <translation>Hủy đơn thuốc (ghi nhầm): {drugs}.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1230"/>
        <source>Mark entered in error</source>
        <translation>Đánh dấu ghi nhầm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/prescriptions.py" line="1258"/>
        <source>The prescription was cancelled.</source>
        <translation>Đã hủy đơn thuốc.</translation>
    </message>
</context>
<context>
    <name>SignaturePanel</name>
    <message>
        <location filename="../../ui/chart/notes.py" line="153"/>
        <source>&amp;Reason:</source>
        <translation>&amp;Lý do:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="154"/>
        <source>Your &amp;password:</source>
        <translation>&amp;Mật khẩu của bạn:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="155"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="202"/>
        <source>Enter your password to sign.</source>
        <translation>Nhập mật khẩu của bạn để ký.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/notes.py" line="206"/>
        <source>Give the reason for the correction.</source>
        <translation>Hãy ghi lý do đính chính.</translation>
    </message>
</context>
</TS>
