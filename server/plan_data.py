"""The organisation as Dongjia's implementation plan lists it.

The plan (董家街道《创建济南市校外培训综合治理示范区实施方案》, April 2023)
names the leadership group, the social supervisors with the village each
patrols, and the party-building instructors with the school each comes from
and the institution each is posted to. Names and titles are copied as the
plan writes them; only the spaces the plan pads two-character names with
(方  君) are dropped, since they are typesetting, not part of the name.

What the plan does not say is left out rather than guessed: which management
district each village lies in, the numbers on the institutions' documents,
their addresses, categories and credit codes.
"""

from dataclasses import dataclass

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
