"""The checklist an installation starts with, as data.

It follows what a provincial checklist for licensed off-campus training
institutions covers: licenses displayed and publicity; venue and fire
safety; staff and teacher qualifications; fees; advertising and enrolment;
teaching content and times; party building and policy outreach. The standard
items add up to 100 points. Administrators change it on the templates page;
each change is a new version, and old inspections keep the version they were
scored with.
"""

from decimal import Decimal

from server.models import ItemKind

NAME = "校外培训机构日常督查量化评分表"

S, B, V = ItemKind.STANDARD, ItemKind.BONUS, ItemKind.VETO

# (section, item, kind, points)
ITEMS: tuple[tuple[str, str, ItemKind, str], ...] = (
    (
        "证照公示与政策宣传",
        "办学许可证、营业执照（登记证书）在醒目位置悬挂公示",
        S,
        "4",
    ),
    ("证照公示与政策宣传", "收费项目、收费标准及退费办法公示", S, "4"),
    ("证照公示与政策宣传", "“双减”政策宣传资料张贴到位", S, "2"),
    ("证照公示与政策宣传", "公示监管部门投诉举报电话", S, "2"),
    ("场地与消防安全", "办学场所与办学许可证载明地址一致，用途符合要求", S, "4"),
    ("场地与消防安全", "消防器材配备齐全且在有效期内", S, "5"),
    ("场地与消防安全", "视频监控覆盖教学和活动区域", S, "3"),
    ("场地与消防安全", "定期开展安全检查并留存记录", S, "4"),
    ("场地与消防安全", "每学期开展应急疏散演练", S, "4"),
    ("从业人员与教师资质", "学科类培训教师具有相应教师资格证书", S, "6"),
    ("从业人员与教师资质", "从业人员入职前完成违法犯罪记录查询", S, "4"),
    ("从业人员与教师资质", "教师照片、资质信息在场所内公示", S, "3"),
    ("从业人员与教师资质", "与从业人员依法签订劳动合同或聘用协议", S, "3"),
    (
        "收费管理",
        "预收费不超过3个月或60课时，且单次不超过5000元",
        S,
        "6",
    ),
    ("收费管理", "预收费全部进入监管账户", S, "6"),
    ("收费管理", "使用培训服务合同示范文本", S, "4"),
    ("收费管理", "按约定及时办理退费", S, "2"),
    ("广告与招生", "无违规发布培训广告、夸大宣传", S, "4"),
    ("广告与招生", "招生简章、广告内容报备", S, "3"),
    ("广告与招生", "不组织与升学挂钩的考试、竞赛和排名", S, "3"),
    ("教学内容与时间", "培训内容与办学许可范围一致", S, "5"),
    ("教学内容与时间", "不超标超前培训", S, "4"),
    ("教学内容与时间", "线下培训结束时间不晚于20:30", S, "3"),
    ("教学内容与时间", "培训计划、课程安排备案", S, "2"),
    ("党建与政策宣传", "配合党建指导员开展工作", S, "4"),
    ("党建与政策宣传", "建立党组织或开展党建活动", S, "3"),
    ("党建与政策宣传", "向学生家长宣讲“双减”政策", S, "3"),
    ("加分项", "获评区级以上规范办学示范机构", B, "3"),
    ("加分项", "开展公益托管、免费课程等社会服务", B, "2"),
    ("一票否决项", "安全出口、疏散通道堵塞或锁闭", V, "0"),
    ("一票否决项", "超出办学许可范围开展学科类培训", V, "0"),
    ("一票否决项", "聘用有违法犯罪记录的人员", V, "0"),
    ("一票否决项", "发生安全责任事故或卷款停业", V, "0"),
)


def default_items() -> list[tuple[str, str, ItemKind, Decimal]]:
    return [
        (section, text, kind, Decimal(points)) for section, text, kind, points in ITEMS
    ]
