"""Fake but realistic-looking applicants: Vietnamese names, citizen IDs, phones, e-mails, firms.

Only indexes are stored per dossier (cheap numpy columns); the strings are assembled when a page
is served.
"""

from __future__ import annotations

import unicodedata

import numpy as np

SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Phan",
    "Đỗ",
    "Ngô",
    "Dương",
    "Đặng",
    "Bùi",
    "Đào",
    "Hà",
    "Lương",
    "Giáp",
    "Thân",
    "Nông",
    "Lưu",
    "Chu",
    "Tạ",
    "Trịnh",
    "Hoàng",
    "Đinh",
    "Mai",
    "La",
    "Vi",
    "Lý",
)
SURNAME_P = np.array(
    [38, 11, 9, 7, 4, 4, 2, 3, 3, 2, 2, 2, 2, 1.5, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]
)
MIDDLE_M = (
    "Văn",
    "Đức",
    "Minh",
    "Quang",
    "Hữu",
    "Xuân",
    "Thành",
    "Ngọc",
    "Tiến",
    "Công",
    "Mạnh",
    "Anh",
)
MIDDLE_F = (
    "Thị",
    "Thị",
    "Thị",
    "Thu",
    "Ngọc",
    "Thanh",
    "Phương",
    "Minh",
    "Hồng",
    "Kim",
    "Mai",
    "Bích",
)
GIVEN_M = (
    "Anh",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Đức",
    "Giang",
    "Hải",
    "Hiếu",
    "Hoàng",
    "Hùng",
    "Huy",
    "Khánh",
    "Kiên",
    "Long",
    "Mạnh",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phúc",
    "Quân",
    "Quang",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Toàn",
    "Trung",
    "Tuấn",
    "Tùng",
    "Việt",
    "Vinh",
)
GIVEN_F = (
    "Anh",
    "Chi",
    "Dung",
    "Duyên",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hồng",
    "Huyền",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "Ngân",
    "Ngọc",
    "Nhung",
    "Oanh",
    "Phương",
    "Quyên",
    "Tâm",
    "Thảo",
    "Thu",
    "Thủy",
    "Trang",
    "Vân",
    "Yến",
)
FIRM_TYPE = (
    "Công ty TNHH",
    "Công ty TNHH MTV",
    "Công ty Cổ phần",
    "Doanh nghiệp tư nhân",
    "Hợp tác xã",
)
FIRM_NAME = (
    "Hoàng Long",
    "Minh Phát",
    "An Phú",
    "Thành Đạt",
    "Phú Thịnh",
    "Hưng Thịnh",
    "Trường Sơn",
    "Việt Hàn",
    "Bắc Hà",
    "Đông Á",
    "Tân Phát",
    "Kim Long",
    "Nam Việt",
    "Hải Đăng",
    "Lục Ngạn",
    "Xương Giang",
    "Yên Dũng",
    "Cầu Gồ",
    "Đồi Ngô",
    "Thăng Long",
)
FIRM_TRADE = (
    "Xây dựng",
    "Thương mại và Dịch vụ",
    "Đầu tư và Phát triển",
    "Nông sản",
    "May mặc",
    "Vận tải",
    "Cơ khí",
    "Điện tử",
    "Thực phẩm",
    "Bất động sản",
)
STATE_APPLICANT = (
    "Trường Tiểu học",
    "Trường Trung học cơ sở",
    "Trạm Y tế",
    "Hội Nông dân",
    "Đoàn Thanh niên",
    "Ban Quản lý dự án",
    "Hội Cựu chiến binh",
)
PHONE_PREFIX = (
    "086",
    "096",
    "097",
    "098",
    "032",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "039",
    "088",
    "091",
    "094",
    "083",
    "084",
    "085",
    "081",
    "082",
    "070",
    "079",
    "077",
    "076",
    "078",
    "089",
    "090",
    "093",
    "056",
    "058",
    "059",
)
MAIL_DOMAIN = (
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "bacgiang.gov.vn",
    "outlook.com",
)


def ascii_fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


SURNAMES_ASCII = tuple(ascii_fold(s).lower() for s in SURNAMES)
GIVEN_M_ASCII = tuple(ascii_fold(s).lower() for s in GIVEN_M)
GIVEN_F_ASCII = tuple(ascii_fold(s).lower() for s in GIVEN_F)


def draw_people(rng: np.random.Generator, n: int, year: int) -> dict[str, np.ndarray]:
    """Per-dossier applicant columns (indexes and numbers only)."""
    female = rng.random(n) < 0.52
    age = np.clip(rng.normal(40, 14, n), 16, 85).astype(np.int64)
    birth = year - age
    return {
        "p_female": female.astype(np.int8),
        "p_birth": birth.astype(np.int16),
        "p_sur": rng.choice(len(SURNAMES), n, p=SURNAME_P / SURNAME_P.sum()).astype(np.int8),
        "p_mid": rng.integers(0, len(MIDDLE_M), n).astype(np.int8),
        "p_given": rng.integers(0, 1 << 15, n).astype(np.int16),
        "p_idtail": rng.integers(0, 1_000_000, n).astype(np.int32),
        "p_phone": np.where(rng.random(n) < 0.95, rng.integers(0, 10_000_000, n), -1).astype(
            np.int32
        ),
        "p_phonepre": rng.integers(0, len(PHONE_PREFIX), n).astype(np.int8),
        "p_mail": np.where(rng.random(n) < 0.35, rng.integers(0, len(MAIL_DOMAIN), n), -1).astype(
            np.int8
        ),
        "p_firm": rng.integers(0, len(FIRM_TYPE) * len(FIRM_NAME) * len(FIRM_TRADE), n).astype(
            np.int32
        ),
    }


def person_name(female: int, sur: int, mid: int, given: int) -> str:
    if female:
        return f"{SURNAMES[sur]} {MIDDLE_F[mid]} {GIVEN_F[given % len(GIVEN_F)]}"
    return f"{SURNAMES[sur]} {MIDDLE_M[mid]} {GIVEN_M[given % len(GIVEN_M)]}"


def firm_name(k: int) -> str:
    t, rest = divmod(k, len(FIRM_NAME) * len(FIRM_TRADE))
    nm, tr = divmod(rest, len(FIRM_TRADE))
    return f"{FIRM_TYPE[t]} {FIRM_TRADE[tr]} {FIRM_NAME[nm]}"


def citizen_id(female: int, birth: int, tail: int) -> str:
    century = 0 if birth < 2000 else 2
    return f"024{century + female}{birth % 100:02d}{tail:06d}"


def email(female: int, sur: int, given: int, birth: int, domain: int, salt: int) -> str:
    g = GIVEN_F_ASCII[given % len(GIVEN_F)] if female else GIVEN_M_ASCII[given % len(GIVEN_M)]
    return f"{g}{SURNAMES_ASCII[sur]}{birth % 100:02d}{salt % 100}@{MAIL_DOMAIN[domain]}"
