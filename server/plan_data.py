"""The organisation as Dongjia's implementation plan lists it.

The plan (董家街道《创建济南市校外培训综合治理示范区实施方案》, April 2023)
names the leadership group, the social supervisors with the village each
patrols, and the party-building instructors with the school each comes from
and the institution each is posted to. Names and titles are copied as the
plan writes them; only the spaces the plan pads two-character names with
(方  君) are dropped, since they are typesetting, not part of the name.

It also sets out the work in four phases with their dates (实施步骤); each
is kept with its paragraph and the tasks it asks, in the plan's own words.

What the plan does not say is left out rather than guessed: which management
district each village lies in, the numbers on the institutions' documents,
their addresses, categories and credit codes.
"""

from dataclasses import dataclass
from datetime import date

SUBDISTRICT = "董家街道"
COUNTY = "历城区"
CITY = "济南市"

LEADERSHIP_GROUP = "历城区董家街道校外培训综合治理示范区创建工作领导小组"
# 创建工作领导小组办公室设在街道教育办公室.
LEADERSHIP_OFFICE_UNIT = "教育办"


@dataclass(frozen=True)
class Seat:
    name: str
    title: str
    unit: str | None = None


LEADER = Seat("方君", "党工委副书记、办事处主任")
DEPUTY_LEADER = Seat("侯付霞", "党工委委员、办事处副主任")
MEMBERS = (
    Seat("王风东", "综治办主任", "综治办"),
    Seat("孟宪良", "派出所副所长", "派出所"),
    Seat("唐渊", "党建办副主任", "党建办"),
    Seat("王其静", "人社中心主任", "人社中心"),
    Seat("刘宗燕", "宣传科长、文化站长", "宣传科"),
    Seat("徐先宗", "经发中心主任", "经发中心"),
    Seat("赵而强", "民政办主任", "民政办"),
    Seat("徐金鹏", "财政所所长", "财政所"),
    Seat("田亮", "建委主任", "建委"),
    Seat("王亮", "卫生院院长", "卫生院"),
    Seat("李明瑞", "计生办主任（袁家村党支部书记）", "计生办"),
    Seat("冯天新", "应急办主任", "应急办"),
    Seat("宋景明", "市场监管所所长", "市场监管所"),
    Seat("孟兆新", "教育办主任", "教育办"),
    Seat("苏超峰", "董家管理区总支书记"),
    Seat("赵希栋", "刘公河管理区总支书记"),
    Seat("王平", "张而管理区总支书记"),
    Seat("韩乐", "温家管理区总支书记"),
    Seat("崔海员", "巨野河管理区总支书记"),
    Seat("刘忠海", "社区教育中心主任", "社区教育中心"),
    Seat("吕仁忠", "教育办工作人员", "教育办"),
)
OFFICE_DIRECTOR = "孟兆新"
OFFICE_DEPUTY_DIRECTOR = "刘忠海"

# The member units the titles above name, in the order they first appear.
# 文化站 is named by 刘宗燕's title alongside 宣传科, where she is listed.
UNITS = (
    "综治办",
    "派出所",
    "党建办",
    "人社中心",
    "宣传科",
    "文化站",
    "经发中心",
    "民政办",
    "财政所",
    "建委",
    "卫生院",
    "计生办",
    "应急办",
    "市场监管所",
    "教育办",
    "社区教育中心",
)

# Management district and its general branch secretary (总支书记).
DISTRICTS = (
    ("董家管理区", "苏超峰"),
    ("刘公河管理区", "赵希栋"),
    ("张而管理区", "王平"),
    ("温家管理区", "韩乐"),
    ("巨野河管理区", "崔海员"),
)

# Social supervisor and the village in their charge (管辖村居), in plan order.
SUPERVISED_VILLAGES = (
    ("李萍", "寇家村"),
    ("林庆杰", "林家村"),
    ("苏宝军", "任家村"),
    ("江巨康", "江家村"),
    ("崔希云", "崔家村"),
    ("苏宝钢", "邢家洼村"),
    ("荀长银", "荀于村"),
    ("吕军", "董家村"),
    ("刘桂香", "姚家村"),
    ("骆洪刚", "谢家屯村"),
    ("徐功均", "徐家村"),
    ("赵英顺", "赵家桥村"),
    ("杨立生", "西方村"),
    ("杨立信", "西杨村"),
    ("吕峰", "吕家村"),
    ("杨长利", "东杨村"),
    ("郭克民", "西郭村"),
    ("刘国祯", "张而村"),
    ("季永瑞", "季家寨"),
    ("曹文东", "王合村"),
    ("徐峰", "苏家村"),
    ("王元强", "院后村"),
    ("吕晓帅", "王新村"),
    ("张元福", "城角巷"),
    ("苗连海", "温家村"),
    ("郭广美", "时家村"),
    ("娄义亮", "甄家村"),
    ("宋长臣", "卫东村"),
    ("巩义贤", "五里堂村"),
    ("李文明", "曹家村"),
    ("李辉", "前二舍村"),
    ("王继承", "东郭村"),
    ("卢玉芹", "城子村"),
    ("王文莲", "三官庙村"),
    ("王峰", "全节河村"),
    ("刁廷银", "潘新村"),
    ("李文军", "柿子园村"),
    ("许继明", "后二舍村"),
)

SCHOOLS = ("董家中心小学", "董家中心中学")

# Party-building instructor, their school, and the institution they are
# posted to (派驻培训机构), in plan order.
POSTED_INSTRUCTORS = (
    ("董兰超", "董家中心小学", "济南市历城区舞梦教育培训学校有限公司"),
    ("马丽", "董家中心小学", "济南利尔培训学校有限公司"),
    ("张明", "董家中心小学", "济南市历城区田野里艺术培训学校有限公司"),
    ("仇汝良", "董家中心中学", "济南市历城区领创教育培训学校"),
    ("张涛", "董家中心中学", "济南市弘文培训学校"),
    ("吕仁臣", "董家中心中学", "济南市前景培训学校"),
    ("程秀杰", "董家中心中学", "济南市城区泉润教育培训学校"),
    ("李玉国", "董家中心中学", "济南市历城区学信培训学校"),
    ("徐明宝", "董家中心中学", "济南市历城区育创教育培训学校"),
)


# --- the phases of the plan (三、实施步骤) -----------------------------------
#
# Each phase's paragraph is kept whole; its tasks are the paragraph's own
# words, cut where one task ends and the next begins ("……" marks words left
# out). A task's measure names how `server.phases` counts its progress from
# the records; a task without one is marked done by the office.

_MOBILISATION = (
    "区委教育工作领导小组研究部署全区校外培训综合治理工作，"
    "印发《创建济南市校外培训综合治理示范区实施方案》，"
    "街道制定本级实施方案。在街道校外培训治理专班的领导管理下，"
    "根据辖区实际立即组建社会监督员队伍，网格化治理“证照不全”培训机构；"
    "在街道教育办公室的统筹管理下，依照街道学区分布，"
    "立即建立党建指导员队伍，网格化监管“证照齐全”培训机构。"
    "组织召开校外培训综合治理示范区建设会议，开展有关部门、"
    "街道相关人员及监管队伍、校外培训机构负责人的《实施方案》传达及相关业务培训，"
    "全面启动街道校外培训综合治理工作。"
)
_IMPLEMENTATION = (
    "街道教育办公室组织辖区内校外培训机构对照《济南市历城区教育和体育局校外培训机"
    "构“一机构一档案”管理实施方案》（济历城教体〔2023〕1号）有序开展自查整"
    "改，规范办学行为；同时有序组织党建指导员与辖区内“证照齐全”培训机构对接建立"
    "联系。党建指导员在定期指导派驻培训机构党建工作的基础上，"
    "按照岗位职责要求，对派驻机构定期或不定期开展“双减”政策宣传普及、"
    "依法规范办学监督、办学行为和安全管理日常督查、"
    "量化赋分等工作，通过数字监管服务平台，实时上传检查结果及量化数据至街道教育办"
    "公室。街道教育办公室负责动态建立校外培训机构“一张清单”，"
    "更新建立校外培训机构综合监管服务量化档案，开展实施综合治理相关工作。"
    "街道社会监督员定期或不定期对负责村居内“证照不全”培训机构进行排查摸底，"
    "建立工作台账，通过数字监管服务平台，实时上传至街道校外培训治理专班办公室。"
    "街道校外培训治理专班负责对摸排发现的问题机构开展综合治理，"
    "建立问题及整改台账，实行销号管理。"
)
_ACCEPTANCE = (
    "街道要在有力推进、确保实效的前提下，及时梳理综合治理过程中的经验做法及存在问"
    "题，做好工作总结和亮点整理，以街道为单位形成校外培训综合治理工作档案。"
    "综合治理过程中，区“双减”工作协调机制办公室将对各街道形成的典型经验加以推广"
    "，适时曝光一批“证照不全”机构违法违规行为，"
    "公布一批“黑名单”机构，通报一批行政处罚案例，"
    "对“证照不全”机构形成有效震慑；同时，于11月底前适时组织有关部门对街道校外"
    "培训综合治理开展情况全面检查验收，并向区委教育工作领导小组报告情况。"
)
_DEEPENING = (
    "全面总结综合治理工作，持续巩固综合治理成效，"
    "表扬一批综合治理先进街道、规范办学优秀校外培训机构，"
    "表扬一批在综合治理中涌现的先进个人，推广一批综合治理典型经验做法和规范办学优"
    "秀校外培训机构典型案例。推动依托街道网格化管理体系做好培训市场日常巡查检查，"
    "形成常态化监管、协同执法合力，持续完善校外培训长效治理机制。"
)


@dataclass(frozen=True)
class PlanTask:
    text: str
    measure: str = ""
    done_on: date | None = None
    done_note: str = ""


@dataclass(frozen=True)
class PlanPhase:
    name: str
    starts_on: date
    ends_on: date
    description: str
    tasks: tuple[PlanTask, ...]


PHASES = (
    PlanPhase(
        "动员部署",
        date(2023, 2, 1),
        date(2023, 3, 31),
        _MOBILISATION,
        (
            # The plan itself is the subdistrict's own implementation plan,
            # issued on the date it bears.
            PlanTask(
                "街道制定本级实施方案",
                done_on=date(2023, 4, 4),
                done_note="《创建济南市校外培训综合治理示范区实施方案》"
                "（济历城董办发〔2023〕18号）于2023年4月4日印发",
            ),
            PlanTask(
                "根据辖区实际立即组建社会监督员队伍，网格化治理“证照不全”培训机构",
                "VILLAGES_WITH_SUPERVISOR",
            ),
            PlanTask(
                "依照街道学区分布，立即建立党建指导员队伍，"
                "网格化监管“证照齐全”培训机构",
                "INSTITUTIONS_WITH_INSTRUCTOR",
            ),
            PlanTask(
                "组织召开校外培训综合治理示范区建设会议，开展有关部门、"
                "街道相关人员及监管队伍、校外培训机构负责人的《实施方案》"
                "传达及相关业务培训"
            ),
        ),
    ),
    PlanPhase(
        "组织实施",
        date(2023, 4, 1),
        date(2023, 9, 30),
        _IMPLEMENTATION,
        (
            PlanTask(
                "街道教育办公室组织辖区内校外培训机构对照《济南市历城区教育和"
                "体育局校外培训机构“一机构一档案”管理实施方案》"
                "（济历城教体〔2023〕1号）有序开展自查整改，规范办学行为"
            ),
            PlanTask(
                "有序组织党建指导员与辖区内“证照齐全”培训机构对接建立联系",
                "INSTITUTIONS_WITH_INSTRUCTOR",
            ),
            PlanTask(
                "党建指导员……对派驻机构定期或不定期开展“双减”政策宣传普及、"
                "依法规范办学监督、办学行为和安全管理日常督查、量化赋分等工作，"
                "通过数字监管服务平台，实时上传检查结果及量化数据至街道教育办公室",
                "INSTITUTIONS_INSPECTED",
            ),
            PlanTask(
                "街道教育办公室负责动态建立校外培训机构“一张清单”，"
                "更新建立校外培训机构综合监管服务量化档案",
                "INSTITUTION_FILES",
            ),
            PlanTask(
                "街道社会监督员定期或不定期对负责村居内“证照不全”培训机构进行"
                "排查摸底，建立工作台账，通过数字监管服务平台，"
                "实时上传至街道校外培训治理专班办公室",
                "VILLAGES_PATROLLED",
            ),
            PlanTask(
                "街道校外培训治理专班负责对摸排发现的问题机构开展综合治理，"
                "建立问题及整改台账，实行销号管理",
                "CASES_CLOSED_OUT",
            ),
        ),
    ),
    PlanPhase(
        "总结验收",
        date(2023, 10, 1),
        date(2023, 11, 30),
        _ACCEPTANCE,
        (
            PlanTask(
                "及时梳理综合治理过程中的经验做法及存在问题，做好工作总结和亮点"
                "整理，以街道为单位形成校外培训综合治理工作档案"
            ),
            PlanTask(
                "适时曝光一批“证照不全”机构违法违规行为……通报一批行政处罚案例",
                "PENALTIES_PUBLISHED",
            ),
            PlanTask("公布一批“黑名单”机构", "BLACKLISTED"),
            PlanTask(
                "于11月底前适时组织有关部门对街道校外培训综合治理开展情况全面"
                "检查验收，并向区委教育工作领导小组报告情况"
            ),
        ),
    ),
    # The plan gives the last phase a deadline only, the end of December; it
    # follows the acceptance, which ends with November.
    PlanPhase(
        "深化提升",
        date(2023, 12, 1),
        date(2023, 12, 31),
        _DEEPENING,
        (
            PlanTask(
                "全面总结综合治理工作，持续巩固综合治理成效……"
                "持续完善校外培训长效治理机制"
            ),
            PlanTask(
                "表扬一批综合治理先进街道、规范办学优秀校外培训机构，"
                "表扬一批在综合治理中涌现的先进个人，推广一批综合治理典型经验"
                "做法和规范办学优秀校外培训机构典型案例"
            ),
            PlanTask(
                "推动依托街道网格化管理体系做好培训市场日常巡查检查，"
                "形成常态化监管、协同执法合力",
                "VILLAGES_PATROLLED_LAST_MONTH",
            ),
        ),
    ),
)
