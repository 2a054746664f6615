<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="vi">
<context>
    <name>AllergiesModel</name>
    <message>
        <location filename="../../ui/chart/allergies.py" line="262"/>
        <source>Substance</source>
        <translation>Tác nhân</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="263"/>
        <source>Reaction</source>
        <translation>Biểu hiện</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="264"/>
        <source>Severity</source>
        <translation>Mức độ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="265"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="266"/>
        <source>Recorded</source>
        <translation>Người ghi, ngày ghi</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="303"/>
        <source>{substance} (drug catalogue code {code})</source>
        <translation>{substance} (mã thuốc trong danh mục: {code})</translation>
    </message>
</context>
<context>
    <name>AllergiesTab</name>
    <message>
        <location filename="../../ui/chart/allergies.py" line="89"/>
        <source>active</source>
        <extracomment>Most results a search shows: the user narrows by typing more. Fewest letters before the drug catalogue is searched (one letter finds half of it).</extracomment>
        <translation>còn hiệu lực</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="90"/>
        <source>inactive</source>
        <translation>hết hiệu lực</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="91"/>
        <location filename="../../ui/chart/allergies.py" line="96"/>
        <source>entered in error</source>
        <translation>ghi nhầm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="94"/>
        <source>current</source>
        <translation>đang mắc</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="95"/>
        <source>resolved</source>
        <translation>đã khỏi</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="99"/>
        <source>recorded on the wrong patient</source>
        <translation>ghi nhầm bệnh nhân</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="102"/>
        <source>recorded twice</source>
        <translation>ghi trùng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="103"/>
        <source>typing or selection mistake</source>
        <translation>gõ hoặc chọn nhầm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="108"/>
        <source>not an allergy on review (intolerance, side effect)</source>
        <translation>xem lại thì không phải dị ứng (không dung nạp, tác dụng phụ)</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="111"/>
        <source>condition not confirmed on review</source>
        <translation>xem lại thì không xác định mắc bệnh này</translation>
    </message>
</context>
<context>
    <name>AllergySection</name>
    <message>
        <location filename="../../ui/chart/allergies.py" line="592"/>
        <source>Allergies</source>
        <translation>Dị ứng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="593"/>
        <source>Record an allergy</source>
        <translation>Ghi nhận dị ứng</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="594"/>
        <source>&amp;Substance:</source>
        <translation>&amp;Tác nhân:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="596"/>
        <source>A drug (found in the catalogue as you type: amoxi), a food, latex…</source>
        <translation>Thuốc (tìm trong danh mục khi gõ: amoxi), thức ăn, nhựa latex…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="598"/>
        <source>&amp;Reaction:</source>
        <translation>&amp;Biểu hiện:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="599"/>
        <source>Hives, Quincke&apos;s oedema, anaphylaxis…</source>
        <translation>Mày đay, phù Quincke, sốc phản vệ…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="600"/>
        <source>Se&amp;verity:</source>
        <translation>&amp;Mức độ:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="601"/>
        <source>&amp;Add allergy</source>
        <translation>Thêm dị ứn&amp;g</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="602"/>
        <source>Mark &amp;inactive…</source>
        <translation>Đánh dấu &amp;hết hiệu lực…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="603"/>
        <source>Entered in &amp;error…</source>
        <translation>Ghi &amp;nhầm…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="624"/>
        <source>Your role may read the allergies but not record or change them (doctors, nurses and pharmacists do).</source>
        <translation>Vai trò của bạn chỉ được xem dị ứng, không được ghi nhận hay thay đổi (việc này do bác sĩ, điều dưỡng và dược sĩ làm).</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="704"/>
        <source>From the drug catalogue: {name} ({code}). Prescribing warns on this drug and on every drug with the same active ingredient.</source>
        <translation>Từ danh mục thuốc: {name} ({code}). Khi kê đơn sẽ cảnh báo thuốc này và mọi thuốc có cùng hoạt chất.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="711"/>
        <source>Not from the drug catalogue: prescribing warns on drugs whose active ingredient or drug class has this name.</source>
        <translation>Không chọn từ danh mục thuốc: khi kê đơn sẽ cảnh báo các thuốc có hoạt chất hoặc nhóm thuốc mang tên này.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="717"/>
        <source>Drugs are found as you type; use ↓ and Enter to pick one.</source>
        <translation>Thuốc được tìm ngay khi gõ; dùng ↓ và Enter để chọn.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="727"/>
        <source>Substance: say what the patient is allergic to.</source>
        <translation>Tác nhân: ghi rõ bệnh nhân dị ứng với gì.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="735"/>
        <source>An active allergy to {substance} is already recorded.</source>
        <translation>Dị ứng {substance} đã được ghi nhận và còn hiệu lực.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="767"/>
        <source>Substance</source>
        <translation>Tác nhân</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="768"/>
        <source>Reaction</source>
        <translation>Biểu hiện</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="769"/>
        <source>Severity</source>
        <translation>Mức độ</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="788"/>
        <source>Allergy to {substance} recorded.</source>
        <translation>Đã ghi nhận dị ứng {substance}.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="824"/>
        <source>Mark the allergy to {substance} inactive (no longer relevant)? It leaves the banner and no longer warns on prescribing; the record is kept.</source>
        <translation>Đánh dấu dị ứng {substance} hết hiệu lực (không còn phù hợp)? Dị ứng sẽ không còn hiện ở đầu hồ sơ và không cảnh báo khi kê đơn; bản ghi vẫn được lưu.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="827"/>
        <source>Mark inactive</source>
        <translation>Đánh dấu hết hiệu lực</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="839"/>
        <source>Mark the allergy to {substance} as entered in error? It leaves the banner and no longer warns on prescribing; the record is kept, struck out.</source>
        <translation>Đánh dấu dị ứng {substance} là ghi nhầm? Dị ứng sẽ không còn hiện ở đầu hồ sơ và không cảnh báo khi kê đơn; bản ghi vẫn được lưu, có gạch ngang.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="842"/>
        <source>Mark entered in error</source>
        <translation>Đánh dấu ghi nhầm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="866"/>
        <source>The allergy to {substance} is marked inactive.</source>
        <translation>Đã đánh dấu dị ứng {substance} hết hiệu lực.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="868"/>
        <source>The allergy to {substance} is marked entered in error.</source>
        <translation>Đã đánh dấu dị ứng {substance} là ghi nhầm.</translation>
    </message>
</context>
<context>
    <name>ProblemSection</name>
    <message>
        <location filename="../../ui/chart/allergies.py" line="962"/>
        <source>Problem list (chronic conditions)</source>
        <translation>Bệnh mạn tính, bệnh nền</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="963"/>
        <source>Add a condition</source>
        <translation>Thêm bệnh</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="964"/>
        <source>IC&amp;D-10:</source>
        <translation>&amp;ICD-10:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="966"/>
        <source>Code or name, without diacritics if you like: I10, tang huyet ap</source>
        <translation>Mã hoặc tên bệnh, gõ không dấu cũng được: I10, tang huyet ap</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="968"/>
        <source>&amp;Wording:</source>
        <translation>&amp;Diễn giải:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="969"/>
        <source>Add &amp;condition</source>
        <translation>Thêm &amp;vào danh sách</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="970"/>
        <source>Mark res&amp;olved…</source>
        <translation>Đánh dấu đã &amp;khỏi…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="971"/>
        <source>Entered in error…</source>
        <translation>Ghi nhầm…</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="984"/>
        <source>Only doctors add conditions to the problem list.</source>
        <translation>Chỉ bác sĩ được thêm hoặc thay đổi bệnh mạn tính, bệnh nền.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1049"/>
        <source>Search, then choose the condition from the list.</source>
        <translation>Tìm rồi chọn bệnh trong danh sách.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1052"/>
        <source>Chosen: {code} — {name}</source>
        <translation>Đã chọn: {code} — {name}</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1061"/>
        <source>Choose the condition from the search results.</source>
        <translation>Hãy chọn bệnh trong kết quả tìm kiếm.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1066"/>
        <source>Wording: say how the condition is written.</source>
        <translation>Diễn giải: ghi rõ tên bệnh.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1080"/>
        <source>{code} is already on the problem list.</source>
        <translation>{code} đã có trong danh sách bệnh mạn tính.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1098"/>
        <source>ICD-10</source>
        <translation>ICD-10</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1098"/>
        <source>Wording</source>
        <translation>Diễn giải</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1107"/>
        <source>{code} added to the problem list.</source>
        <translation>Đã thêm {code} vào danh sách bệnh mạn tính.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1141"/>
        <source>Mark {code} {name} resolved? It stays on the list as history.</source>
        <translation>Đánh dấu {code} {name} đã khỏi? Bệnh vẫn nằm trong danh sách để làm tiền sử.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1144"/>
        <source>Mark resolved</source>
        <translation>Đánh dấu đã khỏi</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1156"/>
        <source>Mark {code} {name} as entered in error? The record is kept, struck out.</source>
        <translation>Đánh dấu {code} {name} là ghi nhầm? Bản ghi vẫn được lưu, có gạch ngang.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1158"/>
        <source>Mark entered in error</source>
        <translation>Đánh dấu ghi nhầm</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1182"/>
        <source>{code} is marked resolved.</source>
        <translation>Đã đánh dấu {code} đã khỏi.</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="1184"/>
        <source>{code} is marked entered in error.</source>
        <translation>Đã đánh dấu {code} là ghi nhầm.</translation>
    </message>
</context>
<context>
    <name>ProblemsModel</name>
    <message>
        <location filename="../../ui/chart/allergies.py" line="322"/>
        <source>ICD-10</source>
        <translation>ICD-10</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="323"/>
        <source>Condition</source>
        <translation>Bệnh</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="324"/>
        <source>Status</source>
        <translation>Trạng thái</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="325"/>
        <source>Recorded</source>
        <translation>Người ghi, ngày ghi</translation>
    </message>
</context>
<context>
    <name>StatusPanel</name>
    <message>
        <location filename="../../ui/chart/allergies.py" line="401"/>
        <source>Reaso&amp;n:</source>
        <translation>&amp;Lý do:</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="402"/>
        <source>Cancel</source>
        <translation>Hủy</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="405"/>
        <source>— choose the reason —</source>
        <translation>— chọn lý do —</translation>
    </message>
    <message>
        <location filename="../../ui/chart/allergies.py" line="444"/>
        <source>Choose the reason it was entered in error.</source>
        <translation>Hãy chọn lý do ghi nhầm.</translation>
    </message>
</context>
</TS>
