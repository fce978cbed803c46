"""Realistic Chinese article text for an electronics-industry newspaper, built from real words.

Sentences are templates filled from word lists whose draw favours the front of each list, so some
words are everywhere (发展, 产业) and others rare, as in real text; a share of sentences are taken
whole from the seed articles (seeds/data/articles.json)."""

import json
import random
import re
from bisect import bisect
from itertools import accumulate
from pathlib import Path

SEED_ARTICLES = Path(__file__).resolve().parent.parent / "seeds" / "data" / "articles.json"

PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川",
    "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆",
)
# Larger economies write (and are written about) more.
PROVINCE_WEIGHTS = (
    8, 3, 3, 2, 1, 2, 1, 1, 8, 9, 8, 4, 5, 3, 7, 4, 5, 3, 12, 2, 1, 4, 5, 2, 2, 0.3, 3, 1, 0.3,
    0.5, 1,
)
CITIES = (
    "深圳", "广州", "东莞", "佛山", "苏州", "无锡", "南京", "杭州", "宁波", "合肥", "武汉", "成都",
    "西安", "长沙", "郑州", "青岛", "济南", "厦门", "福州", "重庆", "天津", "沈阳", "大连",
    "哈尔滨", "长春", "石家庄", "太原", "南昌", "贵阳", "昆明", "南宁", "海口", "兰州",
    "乌鲁木齐", "呼和浩特",
    "银川", "西宁", "拉萨", "常州", "南通", "绍兴", "嘉兴", "温州", "惠州", "珠海", "中山", "芜湖",
    "洛阳", "襄阳", "宜昌", "株洲", "绵阳", "宝鸡", "烟台", "潍坊", "泉州", "赣州", "柳州", "遵义",
)

TECH = (
    "集成电路", "芯片", "半导体", "人工智能", "大数据", "云计算", "工业互联网", "物联网", "5G",
    "新能源汽车", "动力电池", "光伏", "锂电池", "超高清视频", "新型显示", "传感器", "操作系统",
    "软件", "数字经济", "智能制造", "机器人", "数据中心", "算力", "网络安全", "数据安全",
    "电子信息", "通信设备", "千兆光网", "移动通信", "虚拟现实", "智能终端", "消费电子",
    "智能手机", "汽车电子", "储能", "氢能", "新材料", "工业软件", "北斗", "卫星互联网", "区块链",
    "量子计算", "元宇宙", "可穿戴设备", "智能网联汽车", "车联网", "基础软件", "开源", "信创",
    "存储器", "功率器件", "射频", "光通信", "光纤", "宽带", "IPv6", "AVS3", "4K", "8K", "6G",
    "OLED", "Mini LED", "Micro LED", "SoC", "EDA", "CPU", "GPU", "MCU", "大模型", "生成式人工智能",
    "工业机器人", "服务机器人", "数控机床", "高端装备", "医疗器械", "生物医药", "航空航天",
    "船舶", "轨道交通", "稀土", "钢铁", "石化", "化工", "建材", "纺织", "轻工", "电子元器件",
    "印制电路板", "液晶面板", "显示面板", "摄像头", "编解码", "信号传输", "终端显示", "智慧城市",
    "智慧医疗", "智慧教育", "数字政府", "电子政务", "跨境电商", "直播电商", "网络游戏", "短视频",
)
ECONOMY = (
    "产业", "产业链", "供应链", "创新链", "产业集群", "产业园区", "示范项目", "标准体系",
    "知识产权", "营商环境", "投资", "出口", "营业收入", "利润总额", "增加值", "产能", "产量",
    "研发投入",
    "核心技术", "关键技术", "龙头企业", "中小企业", "专精特新", "小巨人", "单项冠军", "制造业",
    "服务业", "市场主体", "应用场景", "公共服务平台", "创新中心", "重点实验室", "人才队伍",
    "体制机制", "政策体系", "产业基金", "融资渠道", "试点示范", "质量品牌", "安全生产", "节能降碳",
    "绿色工厂", "数字化转型", "技术改造", "设备更新", "基础设施", "新型工业化", "新质生产力",
    "高质量发展", "现代化产业体系", "实体经济", "国内市场", "国际合作", "开放合作", "消费市场",
    "基站", "用户", "终端", "平台", "生态", "项目", "企业", "园区", "工厂", "车间", "生产线",
)
VERBS = (
    "推动", "推进", "加快", "加强", "促进", "支持", "实施", "开展", "组织", "部署", "落实", "提升",
    "完善", "培育", "打造", "建设", "构建", "突破", "发布", "印发", "召开", "举办", "出台", "引导",
    "鼓励", "深化", "拓展", "优化", "保障", "聚焦", "围绕", "服务", "带动", "实现", "形成", "坚持",
    "统筹", "强化", "提高", "扩大", "巩固", "壮大", "培养", "引进", "布局", "攻关", "研发", "推广",
    "应用", "部署", "集聚", "升级", "发展", "夯实", "激发", "释放", "健全", "规范", "筑牢", "护航",
)
MODIFIERS = (
    "高质量", "全面", "持续", "积极", "重点", "关键", "核心", "新型", "先进", "绿色", "低碳",
    "数字化", "网络化", "智能化", "协同", "融合", "安全", "可靠", "自主可控", "稳定", "创新",
    "示范", "规模化", "高端", "基础", "前沿", "战略性", "系统性", "全链条", "全方位", "多层次",
    "标准化", "国际化", "集约化", "专业化", "精细化", "特色化", "品牌化",
)
ORGANIZATIONS = (
    "工业和信息化部", "国家发展改革委", "科技部", "财政部", "商务部", "国家市场监督管理总局",
    "国家广播电视总局", "中国信息通信研究院", "中国电子信息产业发展研究院", "国家数据局",
    "国务院国资委", "中国电子技术标准化研究院", "中国半导体行业协会", "中国电子视像行业协会",
    "中国通信标准化协会", "中国软件行业协会", "中国汽车工业协会", "中国电子元件行业协会",
)
PROVINCIAL_UNITS = (
    "工业和信息化厅", "发展和改革委员会", "科学技术厅", "商务厅", "通信管理局", "广播电视局",
    "经济和信息化局", "人民政府", "人民政府办公厅", "市场监督管理局", "数据局",
)
ROLES = (
    "党组书记、部长", "副部长", "总工程师", "司长", "副司长", "厅长", "副厅长", "局长", "副局长",
    "董事长", "总经理", "院长", "副院长", "研究员", "首席专家", "秘书长", "副秘书长", "所长",
)
TIME_PHRASES = (
    "近日", "日前", "近年来", "今年以来", "上半年", "前三季度", "一季度", "全年", "截至目前",
    "“十四五”以来", "下一步", "当前", "去年", "今年1—10月", "与此同时",
)
MEETINGS = (
    "工作会议", "推进会", "座谈会", "专题会议", "现场会", "发布会", "培训班", "交流会", "调度会",
    "党组会议", "全体会议", "年会", "论坛", "大会",
)
DOCUMENTS = ("行动计划", "实施方案", "指导意见", "若干措施", "发展规划", "工作方案", "管理办法",
             "实施意见", "三年行动方案", "专项行动")
SECTIONS = ("要闻", "综合新闻", "产业经济", "地方重点工作解读", "集成电路", "通信", "新型显示",
            "汽车电子", "软件与服务", "消费电子", "国际", "评论", "视点")

SENTENCES = (
    "{time}，{org}{verb}{mod}{noun}{noun2}工作。",
    "{region}{tech}产业{verb}{mod}发展，{year}年营业收入达到{num}亿元，同比增长{pct}%。",
    "会议强调，要{verb}{noun}，{verb2}{noun2}，{verb3}{mod}{tech}。",
    "{org}{role}{person}出席会议并讲话。",
    "据了解，{region}已建成{tech}{noun}{small}个，{verb}{noun2}{num}家。",
    "{person}表示，{tech}是{verb}{mod}{noun}的重要支撑。",
    "《{region}关于{verb}{tech}{mod}发展的{doc}》提出，到{future}年，{tech}{noun}将超过{num}亿元。",
    "下一步，{org}将{verb}{tech}{noun}，{verb2}{mod}{noun2}。",
    "专家指出，{tech}{noun}仍面临{noun2}不足、{noun3}薄弱等挑战。",
    "{time}，{region}{tech}产量达到{num}万台，占全国的{pct}%。",
    "{region}将{verb}{small}个以上{tech}{noun}，{verb2}{num}个{mod}{noun2}。",
    "业内人士认为，{tech}与{tech2}的{mod}融合，将为{noun}带来新的增长空间。",
    "{company}{role}{person}介绍，企业{year}年研发投入占营业收入的{pct}%，{tech}产品出货量位居全国前列。",
    "要坚持{mod}{noun}，{verb}{tech}{noun2}，不断{verb2}{noun3}。",
    "{time}，{city}{tech}{noun}项目正式投产，总投资{num}亿元。",
    "{org}数据显示，{time}全国{tech}{noun}同比增长{pct}%。",
    "{city}{verb}“{tech}+”应用场景，{verb2}{mod}{noun}。",
    "一是{verb}{tech}{noun}；二是{verb2}{mod}{noun2}；三是{verb3}{noun3}。",
    "{city}市{tech}产业园已集聚企业{num}家，形成从{tech}到{tech2}的完整产业链。",
    "会议要求，各地区各部门要{verb}{mod}{noun}，确保各项任务落到实处。",
    "{person}认为，{tech}{noun}的竞争归根到底是{noun2}的竞争。",
    "在{tech}领域，{region}{verb}{small}项{mod}标准，{verb2}{noun}。",
)
TITLES = {
    "meeting": (
        "{org}召开{tech}{meeting}", "{org}{meeting}在{city}召开", "{region}召开{tech}产业{meeting}",
        "{org}部署{mod}{noun}工作", "{year}年{tech}产业{meeting}举行",
    ),
    "policy": (
        "{region}印发{tech}产业{doc}", "{region}力争{future}年{tech}产业收入破{num}亿元",
        "{org}等部门联合发布{tech}{doc}", "{region}出台{mod}{noun}{doc}",
        "{region}{verb}{tech}{noun}高质量发展",
    ),
    "news": (
        "{region}{tech}产业{verb}{mod}发展", "{city}{tech}项目{verb}见效",
        "{tech}{noun}同比增长{pct}%", "{company}发布{tech}新品", "{region}{tech}{noun}驶入快车道",
        "{year}年{tech}市场回暖", "{tech}赋能{noun}转型升级",
    ),
}
COMPANY_PREFIXES = ("华", "中", "海", "京", "长", "天", "新", "恒", "科", "芯", "光", "智", "联",
                    "东", "晶", "方", "紫", "国", "通", "信")
COMPANY_SUFFIXES = ("科技", "电子", "半导体", "微电子", "通信", "光电", "显示", "集团", "智能",
                    "信息", "软件", "存储")
SEED_SHARE = 0.04  # sentences taken whole from the seed articles


MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
AUTONOMOUS_REGIONS = {"内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区",
                      "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区"}


def province_name(region: str) -> str:
    """The full name of a province-level region: 广东 → 广东省, 北京 → 北京市, 西藏 → 西藏自治区."""
    if region in MUNICIPALITIES:
        return region + "市"
    return AUTONOMOUS_REGIONS.get(region, region + "省")


def _zipf(count: int, exponent: float = 1.0, offset: int = 3) -> list[float]:
    return list(accumulate(1 / (rank + offset) ** exponent for rank in range(count)))


class Lexicon:
    """A weighted word list."""

    def __init__(self, words, rng: random.Random, exponent: float = 1.0, weights=None):
        self.words, self.rng = list(words), rng
        self.cumulative = (list(accumulate(weights)) if weights
                           else _zipf(len(self.words), exponent))

    def __call__(self) -> str:
        return self.words[bisect(self.cumulative, self.rng.random() * self.cumulative[-1])]


def seed_sentences() -> list[str]:
    """Whole sentences of the seed articles (real newspaper text)."""
    records = json.loads(SEED_ARTICLES.read_text(encoding="utf-8"))
    found = []
    for record in records:
        for sentence in re.findall(r"[^。！？\n]+[。！？]", record["body"]):
            if 12 <= len(sentence.strip()) <= 120:
                found.append(sentence.strip())
    return found


class ArticleWriter:
    """Articles {title, kind, section, byline, region, source, published_on, page, body}."""

    def __init__(self, rng: random.Random, person_name):
        self.rng = rng
        self.person_name = person_name
        self.tech = Lexicon(TECH, rng, 0.9)
        self.noun = Lexicon(ECONOMY, rng, 0.9)
        self.verb = Lexicon(VERBS, rng, 0.8)
        self.mod = Lexicon(MODIFIERS, rng, 0.8)
        self.org = Lexicon(ORGANIZATIONS, rng, 1.1)
        self.province = Lexicon(PROVINCES, rng, weights=PROVINCE_WEIGHTS)
        self.city = Lexicon(CITIES, rng, 0.7)
        self.seed = seed_sentences()

    def _company(self) -> str:
        return "".join(self.rng.sample(COMPANY_PREFIXES, 2)) + self.rng.choice(COMPANY_SUFFIXES)

    def _fill(self, template: str, region: str, year: int) -> str:
        rng = self.rng
        slots = {
            "time": rng.choice(TIME_PHRASES), "org": self._org(region), "verb": self.verb(),
            "verb2": self.verb(), "verb3": self.verb(), "mod": self.mod(), "noun": self.noun(),
            "noun2": self.noun(), "noun3": self.noun(), "tech": self.tech(), "tech2": self.tech(),
            "region": region, "city": self.city(), "year": year - rng.randint(0, 1),
            "future": year + rng.randint(1, 5), "num": rng.choice((rng.randint(10, 999),
                                                                   rng.randint(1000, 99999))),
            "small": rng.randint(2, 50), "pct": round(rng.uniform(1, 60), 1),
            "role": rng.choice(ROLES), "person": self.person_name(), "doc": rng.choice(DOCUMENTS),
            "meeting": rng.choice(MEETINGS), "company": self._company(),
        }
        return template.format(**slots)

    def _org(self, region: str) -> str:
        if self.rng.random() < 0.5:
            return self.org()
        return province_name(region) + self.rng.choice(PROVINCIAL_UNITS)

    def body(self, kind: str, region: str, year: int, reporter: str) -> str:
        rng = self.rng
        paragraphs = []
        for index in range(rng.randint(3, 8)):
            sentences = []
            for _ in range(rng.randint(2, 5)):
                if rng.random() < SEED_SHARE:
                    sentences.append(rng.choice(self.seed))
                else:
                    sentences.append(self._fill(rng.choice(SENTENCES), region, year))
            if index == 0 and kind == "news":
                sentences.insert(0, f"本报讯 记者{reporter}报道：")
            paragraphs.append("".join(sentences))
        return "\n\n".join(paragraphs)

    def article(self, published_on, kind: str) -> dict:
        rng = self.rng
        region = self.province()
        year = published_on.year
        title = self._fill(rng.choice(TITLES[kind]), region, year)[:200]
        reporter = self.person_name()
        return {
            "title": title,
            "kind": kind,
            "section": rng.choice(SECTIONS),
            "byline": f"记者 {reporter}" if rng.random() < 0.85 else None,
            "region": region if kind != "meeting" or rng.random() < 0.5 else None,
            "source": "中国电子报" if rng.random() < 0.7 else rng.choice(
                ("人民邮电报", "中国工业报", "科技日报", "中国信息化周报", "通信产业报")),
            "published_on": published_on,
            "page": f"第{rng.randint(1, 8)}版" if rng.random() < 0.6 else None,
            "body": self.body(kind, region, year, reporter),
        }
