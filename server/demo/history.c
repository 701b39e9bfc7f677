/* The demo seed's history: a few hundred tickets over the last 90 days, in every status, each
 * told as a story (receive, dispatch, sign, reply, rate, ...) that the server could have written.
 *
 * Every story runs through the live rules: the state machine (tickets/lifecycle.h) checks each
 * status change, the routing rules of the database (tickets/routing.h) decide which tickets
 * dispatch themselves at intake, and the deadlines come from sla/deadlines.h on the database's
 * working calendar. Timers that fell due before `now` have fired, with the events, lights and
 * closes the timer engine writes; open tickets keep only the timers still ahead of `now`.
 * Deterministic: the same seed, calendar and `now` give the same rows.
 *
 * Two passes: plan every ticket in memory, then insert them in order of receipt (so ids and the
 * daily numbers follow time) through a few prepared statements reused for every row. */
#include "demo/demo.h"
#include "sla/deadlines.h"
#include "tickets/lifecycle.h"
#include "tickets/routing.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_TICKETS 400
#define MAX_EVENTS 40
#define MAX_MSGS 6
#define MAX_REPLIES 4
#define MAX_EXTS 2
#define MAX_RATINGS 2
#define MAX_RULES 128
#define MAX_IDS 256 /* units, accounts and categories are looked up by id below this */
#define HISTORY_DAYS 90
#define HOUR 3600
#define DAY 86400

/* ---- what citizens write about ---- */

typedef struct {
    const char *type;
    int category;
    int unit; /* 0: a street matter for 东华街道 (7) or 西湖镇 (10) */
    const char *title, *content, *reply;
} tmpl_t;

/* {P} housing estate {R} road {S} school {H} hospital {C} company {Q} township {D} a recent
 * date {N} a small number {T} a mobile number. One entry a matter, its texts whole (not broken
 * mid-sentence at the column limit). */
/* clang-format off */
static const tmpl_t templates[] = {
    {"complaint", 3, 3, "{P}电梯频繁故障，物业拖延维修",
     "我是{P}{N}号楼的业主，楼里电梯从{D}开始三天两头停运，物业一直说在等配件。楼里老人多，上下楼非常困难，请督促物业尽快修好。",
     "您好，经我局物业科现场核查，{P}{N}号楼电梯控制主板老化，已责令物业服务企业更换配件并于五个工作日内恢复运行，我局将跟踪验收。"},
    {"consultation", 2, 3, "公租房申请条件咨询",
     "请问本市公租房申请需要满足哪些条件？我在示范市工作{N}年，个税连续缴纳，家庭名下无房，可以申请吗？需要准备哪些材料？",
     "您好，在本市稳定就业、名下无自有住房且收入符合标准的，可通过示范问政小程序“住房保障”栏目申请公租房，需准备身份证明、劳动合同及收入证明，审核时限为二十个工作日。"},
    {"help", 3, 3, "老旧小区加装电梯如何申请",
     "{P}建成已经二十多年，{N}号楼的居民都同意加装电梯，请问需要向哪个部门申请？政府有没有补贴？",
     "您好，既有住宅加装电梯由业主自主申请，经本单元三分之二以上业主同意后向所在街道提交方案，我局负责审批备案，每台电梯可申请市级补贴。"},
    {"complaint", 3, 3, "物业费上涨未经业主大会表决",
     "{P}物业公司{D}贴出通知，物业费每平方米上调{N}角，事先没有召开业主大会，也没有公示成本，请问是否合规？",
     "您好，经调查，{P}物业服务企业调价未履行业主大会表决程序，我局已约谈该企业并责令暂停执行新收费标准，后续将指导业委会依法表决。"},
    {"report", 11, 3, "{R}工地夜间违规施工",
     "{R}附近的建筑工地每天晚上十点以后还在打桩作业，噪音很大，严重影响周边居民休息，请依法查处。",
     "您好，我局执法人员于夜间到场核查，该工地确存在超时施工行为，已下达整改通知并依法立案处罚，同时要求其夜间施工须办理许可并公示。"},
    {"suggestion", 2, 3, "建议增加保障性租赁住房供应",
     "作为刚毕业来示范市工作的年轻人，租房成本占工资近一半，建议在地铁沿线多建一些保障性租赁住房，并简化申请流程。",
     "您好，感谢您的建议。今年全市计划筹集保障性租赁住房{N}千套，优先布局在轨道交通站点周边，申请流程已实现网上办理。"},
    {"consultation", 2, 3, "商品房网签备案进度查询",
     "我{D}在开发商处签订了购房合同，至今还没有收到网签备案信息，请问正常需要多长时间？房屋备案怎样查询？",
     "您好，商品房买卖合同网签备案一般在签约后三个工作日内完成，您可登录市住建局网站“房屋交易”栏目输入合同编号查询，如有异常请携带合同到交易中心窗口咨询。"},
    {"praise", 3, 3, "感谢住建局及时处理楼顶漏水",
     "{P}{N}号楼楼顶漏水，我在网上留言后住建局第二天就派人联系物业，现在已经修好了，特此表扬！",
     "您好，感谢您对我们工作的肯定，我们将继续做好物业服务监管工作。"},
    {"consultation", 7, 4, "养老保险跨省转移接续",
     "我从外省调到示范市工作，原来在老家缴了{N}年养老保险，请问怎么转移到本市？需要回老家办手续吗？",
     "您好，养老保险关系跨省转移无需回原参保地，您可在国家社会保险公共服务平台或我局窗口提交转移申请，转入地受理后一般四十五个工作日内办结。"},
    {"help", 8, 4, "公司拖欠工资{N}个月求助",
     "我在{R}的{C}上班，老板已经拖欠我们{N}个月工资，共十几个人，多次讨要无果，请帮忙协调。联系电话{T}。",
     "您好，我局劳动保障监察大队已立案调查，经约谈，{C}承诺于{N}日内结清拖欠工资，我局将跟踪督促，逾期未支付将依法处理。"},
    {"consultation", 8, 4, "失业保险金申领条件",
     "我所在的公司上个月裁员，我被解除劳动合同，请问怎样申领失业保险金？能领多久？",
     "您好，非因本人意愿中断就业、缴纳失业保险满一年并已办理失业登记的，可在示范问政小程序“社保服务”中申领失业保险金，领取期限根据累计缴费年限确定，最长二十四个月。"},
    {"complaint", 7, 4, "养老金本月未按时到账",
     "我父亲每月{D}前后都能收到养老金，这个月到现在还没到账，打电话问了几次都说在核对，请尽快处理。",
     "您好，经核查，因您父亲的银行账户信息变更未同步，本月养老金发放失败。我局已更新账户信息，补发款项已到账，给您带来不便深表歉意。"},
    {"consultation", 6, 4, "灵活就业人员如何参加社保",
     "我现在自己开网约车，属于灵活就业，请问怎么缴纳养老和医疗保险？缴费基数怎么选？",
     "您好，灵活就业人员可在社保经办窗口或线上办理参保登记，缴费基数可在全省上年度平均工资的60%至300%之间自主选择，按月或按季缴纳。"},
    {"suggestion", 8, 4, "建议增加大龄失业人员技能培训",
     "我今年四十八岁，失业后找工作很难，建议人社部门多开一些面向大龄人员的免费技能培训，比如家政、养老护理等。",
     "您好，感谢您的建议。我局每月开展面向大龄失业人员的免费职业技能培训，涵盖养老护理、家政服务等工种，培训合格可申领补贴。"},
    {"report", 6, 4, "{C}未给员工缴纳社会保险",
     "{C}员工有二十多人，入职超过半年都没有给我们缴纳社会保险，工资条上却有扣款，请查处。",
     "您好，我局已对该公司开展专项检查，责令其为全部在职员工补缴社会保险费，逾期不改正将依法加收滞纳金并处以罚款。"},
    {"help", 8, 4, "高校毕业生就业补贴申领",
     "我是今年毕业的大学生，在示范市一家小微企业就业，听说有就业补贴，请问怎么申请？",
     "您好，毕业两年内在本市小微企业就业并签订一年以上劳动合同的高校毕业生，可申领一次性就业补贴，审核通过后十五个工作日内发放。"},
    {"praise", 7, 4, "表扬人社局窗口工作人员",
     "{D}我到人社局窗口办理退休手续，工作人员耐心细致地帮我核对材料，一次就办好了，特此表扬。",
     "您好，感谢您的肯定，我们会继续提升窗口服务质量。"},
    {"consultation", 4, 6, "小学入学学位咨询",
     "孩子今年满六周岁，户口在东城区{R}，请问对口的是哪所小学？{S}今年还招收片区外的学生吗？",
     "您好，东城区义务教育招生划片范围已在区教育局网站公布，{R}片区对口{S}。片区外招生计划根据学位余量确定，请于报名期间关注公告。"},
    {"complaint", 4, 6, "{S}课后服务收费不透明",
     "{S}今年的课后服务收费标准提高了，学校没有公示明细，家长群里很多人有意见，请教育局核查。",
     "您好，经核查，{S}课后服务收费标准符合核定标准，但未按规定公示收费明细，我局已责令学校公示，并组织家长代表座谈。"},
    {"suggestion", 4, 6, "建议延长{S}课后托管时间",
     "双职工家庭下班普遍在六点以后，{S}课后托管五点半就结束，建议延长到六点半，解决接送难题。",
     "您好，感谢您的建议。我局已指导{S}试点弹性离校，托管时间延长至18:30，家长可自愿选择。"},
    {"report", 4, 6, "{S}教师有偿补课",
     "{S}有老师周末在校外租房给本班学生补课，每次收费两百元，不参加的学生会被冷落，请查处。",
     "您好，我局已成立调查组核查，涉事教师的违规行为属实，已按师德师风相关规定作出处理，并在全区通报。"},
    {"help", 4, 6, "孩子转学手续办理",
     "我们全家因工作调动搬到东城区，孩子在外地读三年级，请问转学到东城区需要哪些材料？多久能办好？",
     "您好，转学需提供户籍或居住证明、学籍信息卡，先向拟转入学校提出申请，学校确认有学位后在学籍系统发起转学，一般十个工作日内办结。"},
    {"consultation", 4, 6, "幼儿园保育教育费补贴发放时间",
     "听说东城区对普惠性幼儿园有保育教育费补贴，请问今年什么时候发放？需要家长申请吗？",
     "您好，普惠性幼儿园保教费补贴由区财政直接拨付幼儿园，在收费时直接减免，家长无需申请。"},
    {"praise", 4, 6, "感谢{S}老师的辛勤付出",
     "孩子在{S}读书一年进步很大，班主任每天晚上还在家长群答疑，想通过这个平台表扬这位老师。",
     "您好，感谢您的表扬，我们已将您的肯定转达学校，并将继续弘扬优良师德师风。"},
    {"consultation", 5, 9, "九价HPV疫苗预约",
     "请问西城区哪些社区卫生服务中心可以预约九价HPV疫苗？现在排队大概要多久？",
     "您好，西城区各社区卫生服务中心均可通过“西城健康”预约九价HPV疫苗，目前预约周期约一至两个月，到苗后将短信通知。"},
    {"complaint", 5, 9, "{H}门诊排队时间过长",
     "{D}上午我带孩子到{H}看病，挂号后等了三个多小时才就诊，现场也没有人维持秩序，希望改进。",
     "您好，经核实，当日{H}儿科就诊量激增，我局已要求其增开诊室并推行分时段预约，缩短候诊时间。"},
    {"suggestion", 5, 9, "建议社区卫生服务中心周末开放",
     "上班族平时没时间看病，建议社区卫生服务中心周六上午也开放门诊，方便慢性病患者开药。",
     "您好，感谢您的建议，我区已有{N}家社区卫生服务中心试点周六上午门诊，将逐步推广。"},
    {"help", 5, 9, "老人慢性病长期处方办理",
     "我母亲有高血压和糖尿病，每个月都要去医院开药，听说可以开长期处方，请问在哪里办理？",
     "您好，符合条件的慢性病患者可在签约的家庭医生处申请长期处方，单次最长可开具十二周用量，请到所在社区卫生服务中心办理。"},
    {"report", 5, 9, "{R}一家诊所疑似无证行医",
     "{R}路口有一家小诊所，没有挂执业许可证，还在给人打点滴，存在很大安全隐患，请卫生部门查处。",
     "您好，我局卫生监督所已对该诊所开展检查，其未取得医疗机构执业许可证，已依法取缔并没收药品器械。"},
    {"praise", 5, 9, "感谢{H}急诊科医护人员",
     "{D}深夜我父亲突发心梗，{H}急诊科医护人员第一时间抢救，现在已经脱离危险，衷心感谢！",
     "您好，感谢您的肯定，我们已将表扬转达{H}急诊科，祝您父亲早日康复。"},
    {"complaint", 1, 0, "{R}路灯损坏多日未修", "{R}从{D}开始有一段路灯不亮，晚上出行很不安全，请尽快维修。",
     "您好，{Q}已联系市政路灯维护单位，{R}故障路灯已修复，感谢您的反映。"},
    {"complaint", 11, 0, "{R}餐馆油烟扰民",
     "{R}新开的一家餐馆油烟直排，我家窗户正对着排烟口，每天晚上都是油烟味，请处理。联系电话{T}。",
     "您好，{Q}会同市场监管、生态环境部门现场检查，已责令该餐馆安装油烟净化设施，整改期间限制营业时间。"},
    {"help", 9, 0, "{R}路面塌陷存在安全隐患", "{R}靠近公交站的位置路面塌陷了一个坑，已经有电动车摔倒，请尽快修复。",
     "您好，{Q}接到反映后已设置警示围挡，并协调道路养护单位完成修补。"},
    {"suggestion", 9, 0, "建议在{R}增设公交站点", "{R}周边居民多，最近的公交站要走二十分钟，建议增设一个站点，方便老人出行。",
     "您好，感谢您的建议，{Q}已将您的建议报送区交通部门，相关线路调整方案正在论证中。"},
    {"report", 10, 0, "{R}流动摊贩占道经营", "{R}早晚都有流动摊贩占用人行道和机动车道摆摊，造成交通拥堵，请管理。",
     "您好，{Q}综合执法队已加强{R}早晚时段巡查，并在附近设置便民疏导点，引导摊贩入点经营。"},
    {"complaint", 11, 0, "{R}生活垃圾清运不及时",
     "{R}的垃圾桶经常满了溢出来，好几天都没人清运，天气一热臭味很大，请督促清运。",
     "您好，{Q}已要求环卫公司将{R}垃圾清运频次调整为每日两次，并增设分类垃圾桶。"},
    {"consultation", 12, 0, "居住证办理需要哪些材料", "我在{Q}租房居住半年了，想办理居住证，请问需要准备哪些材料？在哪里办理？",
     "您好，居住证办理需携带身份证、租房合同或居住证明，到{Q}便民服务中心办理，材料齐全的当场受理，十五个工作日内发证。"},
    {"help", 12, 0, "独居老人家中水管爆裂求助",
     "我在外地工作，母亲独居在{R}，家里水管爆裂她自己处理不了，联系电话{T}，请社区帮忙。",
     "您好，{Q}网格员已上门协助关闭水阀并联系维修人员更换水管，后续将把老人纳入重点关爱名单定期走访。"},
    {"praise", 12, 0, "感谢{Q}网格员热心帮助", "{D}我家老人走失，{Q}网格员和社区工作人员帮忙找了一晚上，最后平安找回，非常感谢！",
     "您好，感谢您的肯定，关心关爱居民是我们的职责，我们会继续做好网格服务。"},
    {"suggestion", 1, 0, "建议在{R}规划非机动车停放点",
     "{R}沿街商铺门口电动车乱停乱放，行人只能走机动车道，建议规划非机动车停放点。",
     "您好，{Q}已在{R}施划非机动车停放区{N}处，并安排专人引导规范停放。"},
};
/* clang-format on */
#define N_TEMPLATES (sizeof(templates) / sizeof(templates[0]))

static const char *const estates[] = {"翠苑小区",   "金桂园小区",   "阳光花园小区",
                                      "和平里小区", "锦绣家园小区", "东湖新村小区"};
static const char *const city_roads[] = {"解放路", "人民路", "建设路", "文化路", "新华街"};
static const char *const donghua_roads[] = {"东华路", "东华北街", "朝阳巷", "春风路"};
static const char *const xihu_roads[] = {"西湖大道", "湖心路", "镇南街", "西溪路"};
static const char *const xicheng_roads[] = {"西城大街", "和平路", "湖滨路"};
static const char *const schools[] = {"东城区第一实验小学", "东华小学", "育才中学", "东城区第三中学"};
static const char *const hospitals[] = {"西城区人民医院", "西城区中医医院", "西城区妇幼保健院"};
static const char *const companies[] = {"宏达装修公司", "鑫源物流有限公司", "华盛餐饮管理公司", "恒泰保洁服务公司"};
static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴",
                                       "徐", "孙", "马", "胡", "朱", "郭", "何", "林", "高", "罗"};
static const char *const mobile_prefixes[] = {"138", "139", "137", "135", "186", "159", "151", "177", "188", "133"};

static const char *const return_reasons[] = {"该事项不属于本单位职责范围，请重新派单", "留言反映地点不在本辖区",
                                             "该事项应由市级主管部门办理"};
static const char *const transfer_reasons[] = {"经核实，该事项属于对方单位职责，转办处理",
                                               "涉及属地管理，转相关单位办理"};
static const char *const extension_reasons[] = {
    "需协调多个部门现场核查，申请延期", "涉及历史遗留问题，需进一步调查取证", "正在等待第三方检测结果，申请延期"};
static const char *const supervise_notes[] = {"群众反映强烈，请加快办理", "涉及安全隐患，请优先处理"};
static const char *const overdue_note = "已超期，请说明原因并尽快答复";
static const char *const questions[] = {"请补充具体地址（楼栋号、门牌号），以便现场核查。", "请提供相关照片或票据。",
                                        "请说明问题发生的具体时间段。"};
static const char *const answers[] = {"补充：具体位置在路口北侧，照片已通过小程序上传。",
                                      "问题通常发生在晚上八点到十一点。", "相关票据已上传，请查收。"};
static const char *const follow_ups[] = {"请问现在处理到哪一步了？", "问题仍然存在，希望尽快解决。",
                                         "补充一下，最近情况更严重了。"};
static const char *const send_back_notes[] = {"答复内容不够具体，请补充政策依据", "请核实办理时限后再答复"};
static const char *const approve_notes[] = {"同意发布", "审核通过"};
static const char *const draft_reply = "您好，您反映的问题已收悉，我局正在研究处理。";
static const char *const second_reply =
    "您好，针对您再次反映的问题，我单位负责人带队重新到现场核查，已制定整改方案并明确完成时限，后续进展将及时告知您。";
static const char *const comments_good[] = {"处理很及时，谢谢！", "问题已解决，满意。", ""};
static const char *const comments_fair[] = {"基本解决了，希望以后不再出现。", ""};
static const char *const comments_bad[] = {"答复敷衍，问题没有解决。", "只给了解释，没有实际行动。"};

/* ---- the plan of one ticket ---- */

enum {
    TK_DISPATCH_WARN,
    TK_DISPATCH_BREACH,
    TK_SIGN_WARN,
    TK_SIGN_BREACH,
    TK_REPLY_WARN,
    TK_REPLY_BREACH,
    TK_AUTO_CLOSE,
    TK_INFO_TIMEOUT,
    TK__COUNT
};
static const char *const timer_names[TK__COUNT] = {"dispatch_warn", "dispatch_breach", "sign_warn",  "sign_breach",
                                                   "reply_warn",    "reply_breach",    "auto_close", "info_timeout"};
#define TK_BIT(k) (1u << (k))

/* event payloads; a and b are numbers or indexes into the ticket's rows, s a text */
enum {
    PL_NONE,
    PL_RECEIVE,
    PL_DISPATCH_UNIT,
    PL_DISPATCH_RULE,
    PL_REPLY,
    PL_REVIEW,
    PL_REASON,
    PL_TRANSFER,
    PL_EXT_REQUEST,
    PL_EXT_DECIDE,
    PL_NOTE,
    PL_QUESTION,
    PL_FOLLOW_UP,
    PL_RATE,
    PL_TIMER,
    PL_MERGE,
    PL_DUPLICATE
};

typedef struct hticket hticket_t;

typedef struct {
    int64_t at;
    const char *action, *from, *to, *role;
    int64_t actor, unit; /* 0 = NULL */
    int pl;
    int64_t a, b;
    const char *s;
    int f1, f2;
    const hticket_t *other; /* a merge's primary or duplicate */
} hev_t;

typedef struct {
    int64_t at, user, id;
    const char *author, *kind, *body;
} hmsg_t;

typedef struct {
    int64_t created, published, unit, author, reviewer, id;
    const char *body, *status, *note;
} hreply_t;

typedef struct {
    int64_t at, decided, unit, by, decided_by, id;
    int days;
    const char *reason, *status, *comment;
} hext_t;

typedef struct {
    int64_t at, unit, id;
    int round, resolved;
    const char *satisfaction, *comment;
} hrating_t;

struct hticket {
    /* what the citizen sent */
    const tmpl_t *tp;
    int64_t category, account, target_unit, route_rule, route_unit;
    const char *channel;
    char title[256], content[1024], reply[1024], region[64], citizen[32], contact[16];
    int64_t received;
    wz_sla_policy_t pol;
    /* how its story goes */
    int stop;     /* the status it stays in once reached, or -1: as far as time allows */
    int compress; /* squeeze the steps to reach `stop` before now */
    int64_t wrong_unit;
    int want_return, want_ext, want_info, want_follow, want_supervise, want_send_back, rates, spam;
    int late_dispatch, late_sign, late_reply;
    const char *satisfaction1;
    hticket_t *dup_of;
    /* where it stands */
    wz_status_t status;
    wz_sla_light_t light;
    int64_t unit, reply_unit, last;
    int64_t promised, dispatch_warn, dispatch_due, dispatched, sign_warn, sign_due, signed_at;
    int64_t reply_start, reply_warn, reply_due, replied, resolve_due, return_until, paused, closed;
    int supervised, extended, extended_days, reopened, returned, transferred, version;
    const char *close_reason;
    int64_t fire[TK__COUNT];
    unsigned armed;
    /* its rows */
    hev_t ev[MAX_EVENTS];
    hmsg_t msg[MAX_MSGS];
    hreply_t rep[MAX_REPLIES];
    hext_t ext[MAX_EXTS];
    hrating_t rat[MAX_RATINGS];
    int nev, nmsg, nrep, next, nrat;
    int64_t id;
    int order;
};

typedef struct {
    const wz_calendar_t *cal;
    int64_t now;
    uint64_t rng;
    int64_t admin, dispatcher, supervisor, staff[MAX_IDS], reviewer[MAX_IDS];
    int requires_review[MAX_IDS];
    int64_t account_unit[MAX_IDS], category_parent[MAX_IDS];
    char account_platform[MAX_IDS][16];
    int account_active[MAX_IDS];
    wz_routing_rule_t rules[MAX_RULES];
    char rule_text[MAX_RULES][512];
    size_t nrules;
    hticket_t *t;
    int n;
    char bug[200];
} hist_t;

/* ---- randomness (xorshift64, reproducible) ---- */

static uint64_t rnd(hist_t *h)
{
    uint64_t x = h->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return h->rng = x;
}

static double unif(hist_t *h)
{
    return (double)(rnd(h) >> 11) * (1.0 / 9007199254740992.0);
}

static double range(hist_t *h, double lo, double hi)
{
    return lo + (hi - lo) * unif(h);
}

static int chance(hist_t *h, double p)
{
    return unif(h) < p;
}

#define PICK(h, arr) ((arr)[rnd(h) % (sizeof(arr) / sizeof((arr)[0]))])

/* ---- time ---- */

static int64_t local_seconds_of_day(const hist_t *h, int64_t t)
{
    int64_t local = t + (int64_t)h->cal->utc_offset_min * 60;
    return ((local % DAY) + DAY) % DAY;
}

/* An instant in [lo, hi) at which a citizen plausibly writes: mostly working hours, some
 * evenings, few nights, fewer on days off. */
static int64_t sample_received(hist_t *h, int64_t lo, int64_t hi)
{
    static const int hour_weight[24] = {0, 0, 0, 0, 0, 0, 1, 5, 9, 12, 12, 11, 8, 9, 11, 11, 10, 9, 7, 8, 8, 6, 4, 2};
    for (int tries = 0; tries < 1000; tries++) {
        int64_t t = lo + (int64_t)((double)(hi - lo) * unif(h));
        double w = hour_weight[local_seconds_of_day(h, t) / HOUR] / 12.0;
        if (!wz_cal_is_workday(h->cal, wz_cal_local_day(h->cal, t)))
            w *= 0.45;
        if (unif(h) < w)
            return t;
    }
    return lo + (hi - lo) / 2;
}

/* A unit's next action: wsecs of working time after max(base, the last event). A ticket that
 * must reach its `stop` status squeezes the step in before now. */
static int64_t work_from(hist_t *h, hticket_t *t, int64_t base, int64_t wsecs)
{
    if (base < t->last)
        base = t->last;
    int64_t x = wz_cal_add_working_seconds(h->cal, base, wsecs < 60 ? 60 : wsecs);
    if (x >= h->now && t->compress) {
        int64_t room = wz_cal_working_seconds_between(h->cal, base, h->now);
        if (room > 600)
            x = wz_cal_add_working_seconds(h->cal, base, (int64_t)((double)room * range(h, 0.2, 0.8)));
    }
    return x;
}

static int64_t work_after(hist_t *h, hticket_t *t, double hours_lo, double hours_hi)
{
    return work_from(h, t, t->last, (int64_t)(range(h, hours_lo, hours_hi) * HOUR));
}

/* The instant at `frac` of a limit that runs from start to due, in working time. */
static int64_t work_at_fraction(hist_t *h, hticket_t *t, int64_t start, int64_t due, double frac)
{
    int64_t span = wz_cal_working_seconds_between(h->cal, start, due);
    int64_t x = wz_cal_add_working_seconds(h->cal, start, (int64_t)((double)span * frac));
    if (x <= t->last)
        return work_after(h, t, 0.5, 3.0);
    if (x >= h->now && t->compress)
        return work_from(h, t, t->last, wz_cal_working_seconds_between(h->cal, t->last, x));
    return x;
}

/* A citizen's next action: any day, not at night. */
static int64_t citizen_after(hist_t *h, hticket_t *t, int64_t lo, int64_t hi)
{
    int64_t x = t->last + lo + (int64_t)((double)(hi - lo) * unif(h));
    int64_t sod = local_seconds_of_day(h, x);
    if (sod < 7 * HOUR)
        x += 7 * HOUR - sod + (int64_t)(unif(h) * 2 * HOUR);
    if (x >= h->now && t->compress && h->now - t->last > 120)
        x = t->last + (int64_t)((double)(h->now - t->last) * range(h, 0.2, 0.8));
    return x;
}

/* ---- the story machinery: events, status changes, timers ---- */

static void bug(hist_t *h, const hticket_t *t, const char *what)
{
    if (h->bug[0] == '\0')
        snprintf(h->bug, sizeof(h->bug), "ticket %d (%.60s): %.60s", t->order, t->title, what);
}

static void add_event(hist_t *h, hticket_t *t, hev_t e)
{
    if (t->nev == MAX_EVENTS) {
        bug(h, t, "too many events");
        return;
    }
    if (e.at < t->last)
        bug(h, t, "events out of order");
    t->ev[t->nev++] = e;
    t->last = e.at;
}

static int add_message(hist_t *h, hticket_t *t, int64_t at, const char *author, const char *kind, int64_t user,
                       const char *body)
{
    if (t->nmsg == MAX_MSGS) {
        bug(h, t, "too many messages");
        return 0;
    }
    t->msg[t->nmsg] = (hmsg_t){.at = at, .user = user, .author = author, .kind = kind, .body = body};
    return t->nmsg++;
}

/* An action through the live state machine; records its event as tickets/plan.c does (from and
 * to even when the status stays; unit defaults to the ticket's). */
static int act(hist_t *h, hticket_t *t, hev_t e, wz_action_t action, wz_role_t role, unsigned flags)
{
    wz_status_t to;
    if (wz_lifecycle_apply(t->status, action, role, flags, &to) != WZ_LC_OK) {
        bug(h, t, wz_action_name(action));
        return -1;
    }
    e.action = wz_action_name(action);
    e.role = wz_role_name(role);
    e.from = wz_status_name(t->status);
    e.to = wz_status_name(to);
    if (e.unit == 0)
        e.unit = t->unit;
    add_event(h, t, e);
    t->status = to;
    if (role != WZ_ROLE_SYSTEM)
        t->version++; /* intake's routing leaves it at 0; timers count theirs in fire_due */
    return 0;
}

/* Who acts for a unit: its staff user, or the admin for a unit without one. */
static int64_t unit_actor(const hist_t *h, int64_t unit, wz_role_t *role)
{
    if (unit > 0 && unit < MAX_IDS && h->staff[unit] > 0) {
        *role = WZ_ROLE_STAFF;
        return h->staff[unit];
    }
    *role = WZ_ROLE_ADMIN;
    return h->admin;
}

static void arm(hticket_t *t, int kind, int64_t fire)
{
    if (fire > t->last) {
        t->fire[kind] = fire;
        t->armed |= TK_BIT(kind);
    } else {
        t->armed &= ~TK_BIT(kind);
    }
}

static void disarm(hticket_t *t, unsigned mask)
{
    t->armed &= ~mask;
}

#define TK_REPLY (TK_BIT(TK_REPLY_WARN) | TK_BIT(TK_REPLY_BREACH))
#define TK_SIGN (TK_BIT(TK_SIGN_WARN) | TK_BIT(TK_SIGN_BREACH))

/* The light of the clocks running in the ticket's status at `at`; -1 when none runs. */
static int clock_light(const hticket_t *t, int64_t at)
{
    wz_sla_light_t a, b;
    switch (t->status) {
    case WZ_ST_NEW:
        return (int)wz_sla_light(at, t->dispatch_warn, t->dispatch_due);
    case WZ_ST_DISPATCHED:
        a = wz_sla_light(at, t->sign_warn, t->sign_due);
        b = wz_sla_light(at, t->reply_warn, t->reply_due);
        return (int)(a > b ? a : b);
    case WZ_ST_ACCEPTED:
        return (int)wz_sla_light(at, t->reply_warn, t->reply_due);
    default:
        return -1; /* paused, replied or closed: the light stays as the last clock left it */
    }
}

static void relight(hticket_t *t)
{
    int l = clock_light(t, t->last);
    if (l >= 0)
        t->light = (wz_sla_light_t)l;
}

/* Fires the armed timers due before `limit`, as the timer engine would have. 1 if one closed
 * the ticket. */
static int fire_due(hist_t *h, hticket_t *t, int64_t limit)
{
    for (;;) {
        int k = -1;
        for (int i = 0; i < TK__COUNT; i++)
            if ((t->armed & TK_BIT(i)) && t->fire[i] < limit && (k < 0 || t->fire[i] < t->fire[k]))
                k = i;
        if (k < 0)
            return 0;
        t->armed &= ~TK_BIT(k);
        hev_t e = {.at = t->fire[k], .role = "system", .unit = t->unit, .pl = PL_TIMER, .s = timer_names[k]};
        if (k == TK_AUTO_CLOSE || k == TK_INFO_TIMEOUT) {
            if (act(h, t, e, WZ_ACT_CLOSE, WZ_ROLE_SYSTEM, 0) != 0)
                return 1;
            t->version++;
            t->closed = e.at;
            t->close_reason = k == TK_AUTO_CLOSE ? "no_rating" : "no_information";
            t->armed = 0;
            return 1;
        }
        int warn = k == TK_DISPATCH_WARN || k == TK_SIGN_WARN || k == TK_REPLY_WARN;
        e.action = warn ? "sla_warning" : "sla_breach";
        add_event(h, t, e);
        if (!warn) {
            t->light = WZ_LIGHT_RED;
            t->supervised = 1;
            t->version++;
        } else if (t->light == WZ_LIGHT_GREEN) {
            t->light = WZ_LIGHT_YELLOW;
            t->version++;
        }
    }
}

/* Time moves on to the next action at `at`. 1 = the story ends here: `at` is not in the past,
 * or a timer closed the ticket first. */
static int step(hist_t *h, hticket_t *t, int64_t at)
{
    if (t->status == WZ_ST_CLOSED || at >= h->now || h->bug[0] != '\0')
        return 1;
    return fire_due(h, t, at) != 0 || t->status == WZ_ST_CLOSED;
}

/* ---- the steps of a story; each returns 1 when the story ends ---- */

/* The unit's clocks from a dispatch or a transfer at `at`. */
static void start_unit_clocks(hist_t *h, hticket_t *t, int64_t at)
{
    wz_sla_dispatch_t d;
    wz_sla_on_dispatch(h->cal, &t->pol, at, &d);
    t->dispatched = at;
    t->signed_at = 0;
    t->sign_warn = d.sign_warn;
    t->sign_due = d.sign_due;
    t->reply_start = at;
    t->reply_warn = d.reply_warn;
    t->reply_due = d.reply_due;
    t->resolve_due = d.resolve_due;
    t->return_until = d.return_until;
    t->armed = 0;
    arm(t, TK_SIGN_WARN, d.sign_warn);
    arm(t, TK_SIGN_BREACH, d.sign_due);
    arm(t, TK_REPLY_WARN, d.reply_warn);
    arm(t, TK_REPLY_BREACH, d.reply_due);
    relight(t);
}

static void start_dispatch_clock(hist_t *h, hticket_t *t, int64_t from)
{
    wz_sla_intake_t in;
    wz_sla_on_intake(h->cal, &t->pol, from, &in);
    t->dispatch_warn = in.dispatch_warn;
    t->dispatch_due = in.dispatch_due;
    if (from == t->received)
        t->promised = in.promised_reply; /* told to the citizen once, at intake */
    t->armed = 0;
    arm(t, TK_DISPATCH_WARN, in.dispatch_warn);
    arm(t, TK_DISPATCH_BREACH, in.dispatch_due);
    relight(t);
}

static void dispatch(hist_t *h, hticket_t *t, int64_t at, int64_t unit, int64_t rule)
{
    hev_t e = {.at = at, .unit = unit, .pl = rule ? PL_DISPATCH_RULE : PL_DISPATCH_UNIT, .a = rule ? rule : unit};
    if (!rule)
        e.actor = h->dispatcher;
    if (act(h, t, e, WZ_ACT_DISPATCH, rule ? WZ_ROLE_SYSTEM : WZ_ROLE_DISPATCHER, 0) != 0)
        return;
    t->unit = unit;
    start_unit_clocks(h, t, at);
}

static void intake(hist_t *h, hticket_t *t)
{
    t->status = WZ_ST_NEW;
    t->light = WZ_LIGHT_GREEN;
    t->last = t->received;
    add_event(h, t, (hev_t){.at = t->received, .action = "receive", .to = "new", .role = "system", .pl = PL_RECEIVE});
    add_message(h, t, t->received, "citizen", "message", 0, t->content);
    start_dispatch_clock(h, t, t->received);
    if (t->route_rule > 0)
        dispatch(h, t, t->received, t->route_unit, t->route_rule); /* at once, as intake does */
}

static int sign(hist_t *h, hticket_t *t)
{
    double f = t->late_sign ? range(h, 1.1, 4.0) : range(h, 0.05, 0.9);
    int64_t at = work_from(h, t, t->last, (int64_t)(f * t->pol.sign_minutes * 60));
    if (step(h, t, at))
        return 1;
    wz_role_t role;
    int64_t actor = unit_actor(h, t->unit, &role);
    if (act(h, t, (hev_t){.at = at, .actor = actor}, WZ_ACT_SIGN, role, 0) != 0)
        return 1;
    t->signed_at = at;
    disarm(t, TK_SIGN);
    relight(t);
    return 0;
}

/* The dispatcher's pick was wrong: the unit hands it back (退单) and the dispatcher tries again. */
static int give_back(hist_t *h, hticket_t *t)
{
    int64_t at = work_after(h, t, 0.3, 3.0);
    if (step(h, t, at))
        return 1;
    wz_role_t role;
    int64_t actor = unit_actor(h, t->unit, &role);
    hev_t e = {.at = at, .actor = actor, .pl = PL_REASON, .s = PICK(h, return_reasons)};
    if (act(h, t, e, WZ_ACT_RETURN, role, at <= t->return_until ? WZ_LC_IN_RETURN_WINDOW : 0) != 0)
        return 1;
    t->returned++;
    t->unit = 0;
    t->dispatched = t->sign_due = t->reply_due = t->resolve_due = t->signed_at = 0;
    t->sign_warn = t->reply_warn = 0;
    start_dispatch_clock(h, t, at);
    at = work_after(h, t, 0.2, 1.5);
    if (step(h, t, at))
        return 1;
    dispatch(h, t, at, t->target_unit, 0);
    return 0;
}

/* 转办: the unit passes it on to the unit it belongs to; the clocks restart there. */
static int transfer(hist_t *h, hticket_t *t)
{
    int64_t at = work_after(h, t, 0.5, 6.0);
    if (step(h, t, at))
        return 1;
    wz_role_t role;
    int64_t actor = unit_actor(h, t->unit, &role);
    hev_t e = {.at = at,
               .actor = actor,
               .unit = t->target_unit,
               .pl = PL_TRANSFER,
               .a = t->unit,
               .b = t->target_unit,
               .s = PICK(h, transfer_reasons)};
    if (act(h, t, e, WZ_ACT_TRANSFER, role, 0) != 0)
        return 1;
    t->transferred++;
    t->unit = t->target_unit;
    start_unit_clocks(h, t, at);
    return sign(h, t);
}

/* The reply deadline moves (extension, resume); the warning counts from the dispatch, as in the
 * live planner. */
static void move_reply_due(hist_t *h, hticket_t *t, int64_t due)
{
    t->reply_due = due;
    t->reply_warn = wz_sla_warn_at(h->cal, t->dispatched, due, t->pol.warn_ratio);
    if (t->status == WZ_ST_DISPATCHED || t->status == WZ_ST_ACCEPTED) {
        arm(t, TK_REPLY_WARN, t->reply_warn);
        arm(t, TK_REPLY_BREACH, t->reply_due);
    }
    relight(t);
}

static int extension(hist_t *h, hticket_t *t)
{
    static const int choices[] = {3, 5, 5, 10};
    int64_t at = work_at_fraction(h, t, t->reply_start, t->reply_due, range(h, 0.1, 0.4));
    if (step(h, t, at))
        return 1;
    int days = PICK(h, choices);
    if (days > t->pol.extension_max_days - t->extended_days)
        days = t->pol.extension_max_days - t->extended_days;
    if (days <= 0 || t->next == MAX_EXTS)
        return 0;
    wz_role_t role;
    int64_t actor = unit_actor(h, t->unit, &role);
    int i = t->next++;
    hext_t *x = &t->ext[i];
    *x = (hext_t){.at = at,
                  .unit = t->unit,
                  .by = actor,
                  .days = days,
                  .reason = PICK(h, extension_reasons),
                  .status = "pending",
                  .comment = ""};
    hev_t e = {.at = at, .actor = actor, .pl = PL_EXT_REQUEST, .a = i, .b = days, .s = x->reason};
    if (act(h, t, e, WZ_ACT_EXTENSION_REQUEST, role, 0) != 0)
        return 1;
    at = work_after(h, t, 0.5, 8.0);
    if (step(h, t, at))
        return 1; /* still waiting for the supervisor */
    int approve = t->want_ext == 1;
    x->decided = at;
    x->decided_by = h->supervisor;
    x->status = approve ? "approved" : "refused";
    x->comment = approve ? "同意延期，请在延期内办结" : "事项不复杂，请按期办结";
    e = (hev_t){.at = at, .actor = h->supervisor, .pl = PL_EXT_DECIDE, .a = i, .f1 = approve, .s = x->comment};
    if (act(h, t, e, WZ_ACT_EXTENSION_DECIDE, WZ_ROLE_SUPERVISOR, 0) != 0)
        return 1;
    if (approve) {
        t->extended = 1;
        t->extended_days += days;
        t->promised = wz_sla_extend(h->cal, t->promised, days);
        t->resolve_due = wz_sla_extend(h->cal, t->resolve_due, days);
        move_reply_due(h, t, wz_sla_extend(h->cal, t->reply_due, days));
    }
    return 0;
}

/* 补充材料: the unit asks, the clock pauses; the citizen answers (or never does). */
static int request_info(hist_t *h, hticket_t *t)
{
    int64_t at = work_after(h, t, 1.0, 10.0);
    if (step(h, t, at))
        return 1;
    wz_role_t role;
    int64_t actor = unit_actor(h, t->unit, &role);
    const char *q = PICK(h, questions);
    int m = add_message(h, t, at, "unit", "request_info", actor, q);
    hev_t e = {.at = at, .actor = actor, .pl = PL_QUESTION, .a = m, .s = q};
    if (act(h, t, e, WZ_ACT_REQUEST_INFO, role, 0) != 0)
        return 1;
    t->paused = at;
    disarm(t, TK_REPLY);
    arm(t, TK_INFO_TIMEOUT, wz_cal_add_working_days(h->cal, at, t->pol.info_wait_days));
    if (t->stop == WZ_ST_WAITING_CITIZEN || t->want_info == 2) {
        step(h, t, h->now);
        return 1;
    }
    at = citizen_after(h, t, 3 * HOUR, 48 * HOUR);
    if (step(h, t, at))
        return 1;
    m = add_message(h, t, at, "citizen", "follow_up", 0, PICK(h, answers));
    if (act(h, t, (hev_t){.at = at, .pl = PL_FOLLOW_UP, .a = m}, WZ_ACT_FOLLOW_UP, WZ_ROLE_CITIZEN, 0) != 0)
        return 1;
    disarm(t, TK_BIT(TK_INFO_TIMEOUT));
    int64_t due = wz_sla_resume(h->cal, t->reply_due, t->paused, at);
    t->resolve_due = wz_sla_resume(h->cal, t->resolve_due, t->paused, at);
    t->paused = 0;
    move_reply_due(h, t, due);
    return 0;
}

static int follow_up(hist_t *h, hticket_t *t)
{
    int64_t at = citizen_after(h, t, 2 * HOUR, 48 * HOUR);
    if (step(h, t, at))
        return 1;
    int m = add_message(h, t, at, "citizen", "follow_up", 0, PICK(h, follow_ups));
    return act(h, t, (hev_t){.at = at, .pl = PL_FOLLOW_UP, .a = m}, WZ_ACT_FOLLOW_UP, WZ_ROLE_CITIZEN, 0) != 0;
}

static int supervise(hist_t *h, hticket_t *t)
{
    int overdue = t->stop == WZ_ST_ACCEPTED;
    int64_t at = overdue ? work_from(h, t, t->reply_due, (int64_t)(range(h, 1, 16) * HOUR)) : work_after(h, t, 1, 20);
    if (step(h, t, at))
        return 1;
    hev_t e = {.at = at, .actor = h->supervisor, .pl = PL_NOTE, .s = overdue ? overdue_note : PICK(h, supervise_notes)};
    if (act(h, t, e, WZ_ACT_SUPERVISE, WZ_ROLE_SUPERVISOR, 0) != 0)
        return 1;
    t->supervised = 1;
    return 0;
}

static int add_reply(hist_t *h, hticket_t *t, int64_t at, int64_t author, const char *body, int review)
{
    if (t->nrep == MAX_REPLIES) {
        bug(h, t, "too many replies");
        return 0;
    }
    t->rep[t->nrep] = (hreply_t){.created = at,
                                 .published = review ? 0 : at,
                                 .unit = t->unit,
                                 .author = author,
                                 .body = body,
                                 .status = review ? "pending_review" : "published",
                                 .note = ""};
    return t->nrep++;
}

static void now_replied(hist_t *h, hticket_t *t, int64_t at)
{
    if (t->replied == 0)
        t->replied = at; /* the first answer; a reopened ticket's second one does not move it */
    t->reply_unit = t->unit;
    disarm(t, TK_REPLY);
    arm(t, TK_AUTO_CLOSE, wz_cal_add_working_days(h->cal, at, t->pol.rating_window_days));
}

/* 答复, through the reviewer (三审) where the unit requires it. */
static int reply(hist_t *h, hticket_t *t, int again)
{
    double f = t->late_reply && !again ? range(h, 1.05, 1.6) : range(h, 0.1, 0.7);
    int64_t at = work_at_fraction(h, t, t->reply_start, t->reply_due, f);
    if (step(h, t, at))
        return 1;
    wz_role_t role;
    int64_t actor = unit_actor(h, t->unit, &role);
    const char *body = again ? second_reply : t->reply;
    int review = t->unit < MAX_IDS && h->requires_review[t->unit] && h->reviewer[t->unit] > 0;
    int send_back = review && t->want_send_back && !again;
    int r = add_reply(h, t, at, actor, send_back ? draft_reply : body, review);
    hev_t e = {.at = at, .actor = actor, .pl = PL_REPLY, .a = r, .f1 = review};
    if (act(h, t, e, WZ_ACT_REPLY, role, review ? WZ_LC_REVIEW_REQUIRED : 0) != 0)
        return 1;
    if (!review) {
        now_replied(h, t, at);
        return 0;
    }
    int64_t reviewer = h->reviewer[t->unit];
    if (send_back) {
        at = work_after(h, t, 0.2, 2.0);
        if (step(h, t, at))
            return 1;
        t->rep[r].status = "sent_back";
        t->rep[r].reviewer = reviewer;
        t->rep[r].note = PICK(h, send_back_notes);
        e = (hev_t){.at = at, .actor = reviewer, .pl = PL_REVIEW, .a = r, .s = t->rep[r].note};
        if (act(h, t, e, WZ_ACT_REVIEW_SEND_BACK, WZ_ROLE_REVIEWER, WZ_LC_REVIEW_PENDING) != 0)
            return 1;
        at = work_after(h, t, 0.5, 3.0);
        if (step(h, t, at))
            return 1;
        r = add_reply(h, t, at, actor, body, 1);
        e = (hev_t){.at = at, .actor = actor, .pl = PL_REPLY, .a = r, .f1 = 1};
        if (act(h, t, e, WZ_ACT_REPLY, role, WZ_LC_REVIEW_REQUIRED) != 0)
            return 1;
    }
    at = work_after(h, t, 0.2, 2.0);
    if (step(h, t, at))
        return 1; /* still waiting for the reviewer */
    t->rep[r].status = "published";
    t->rep[r].published = at;
    t->rep[r].reviewer = reviewer;
    t->rep[r].note = PICK(h, approve_notes);
    e = (hev_t){.at = at, .actor = reviewer, .pl = PL_REVIEW, .a = r, .s = t->rep[r].note};
    if (act(h, t, e, WZ_ACT_REVIEW_APPROVE, WZ_ROLE_REVIEWER, WZ_LC_REVIEW_PENDING) != 0)
        return 1;
    now_replied(h, t, at);
    return 0;
}

/* 回访: closes, or (unsatisfied, with the reopen allowance left) reopens with a new reply limit. */
static int rate(hist_t *h, hticket_t *t, int round)
{
    if (!t->rates || t->nrat == MAX_RATINGS) {
        step(h, t, h->now); /* the rating window closes it */
        return 1;
    }
    int64_t at = citizen_after(h, t, HOUR, 96 * HOUR);
    if (step(h, t, at))
        return 1;
    const char *sat = t->satisfaction1;
    if (round > 1) {
        double r = unif(h);
        sat = r < 0.5 ? "satisfied" : r < 0.8 ? "basically_satisfied" : "unsatisfied";
    }
    int good = strcmp(sat, "satisfied") == 0, fair = strcmp(sat, "basically_satisfied") == 0;
    int resolved = chance(h, good ? 0.95 : fair ? 0.7 : 0.2);
    int reopen = !good && !fair && t->reopened < t->pol.reopen_max;
    t->rat[t->nrat++] = (hrating_t){.at = at,
                                    .unit = t->reply_unit,
                                    .round = round,
                                    .resolved = resolved,
                                    .satisfaction = sat,
                                    .comment = good   ? PICK(h, comments_good)
                                               : fair ? PICK(h, comments_fair)
                                                      : PICK(h, comments_bad)};
    hev_t e = {
        .at = at, .unit = t->reply_unit, .pl = PL_RATE, .a = t->nrat - 1, .s = sat, .f1 = resolved, .f2 = reopen};
    if (act(h, t, e, WZ_ACT_RATE, WZ_ROLE_CITIZEN, reopen ? WZ_LC_REOPEN : 0) != 0)
        return 1;
    if (!reopen) {
        t->closed = at;
        t->close_reason = "rated";
        t->armed = 0;
        return 1;
    }
    t->reopened++; /* 重办: back to the unit, with a fresh reply limit from now */
    disarm(t, TK_BIT(TK_AUTO_CLOSE));
    t->reply_start = at;
    t->reply_due = wz_cal_add_working_days(h->cal, at, t->pol.reply_days);
    t->reply_warn = wz_sla_warn_at(h->cal, at, t->reply_due, t->pol.warn_ratio);
    arm(t, TK_REPLY_WARN, t->reply_warn);
    arm(t, TK_REPLY_BREACH, t->reply_due);
    relight(t);
    return 0;
}

static void story(hist_t *h, hticket_t *t)
{
    intake(h, t);
    if (t->spam || t->dup_of != NULL) {
        int64_t at = work_after(h, t, 0.2, 1.5);
        if (step(h, t, at))
            return;
        hev_t e = {.at = at, .actor = h->dispatcher, .pl = PL_REASON, .s = "广告推销信息，不予受理"};
        if (!t->spam) {
            e.pl = PL_MERGE;
            e.other = t->dup_of;
        }
        if (act(h, t, e, t->spam ? WZ_ACT_CLOSE : WZ_ACT_MERGE, WZ_ROLE_DISPATCHER, 0) != 0)
            return;
        t->closed = at;
        t->close_reason = t->spam ? "manual" : "merged";
        t->armed = 0;
        return;
    }
    if (t->stop == WZ_ST_NEW)
        return;
    if (t->status == WZ_ST_NEW) {
        double f = t->late_dispatch ? range(h, 1.1, 3.0) : range(h, 0.1, 0.9);
        int64_t at = work_from(h, t, t->last, (int64_t)(f * t->pol.dispatch_minutes * 60));
        if (step(h, t, at))
            return;
        dispatch(h, t, at, t->wrong_unit ? t->wrong_unit : t->target_unit, 0);
        if (t->wrong_unit && t->want_return && give_back(h, t))
            return;
    }
    if (t->stop == WZ_ST_DISPATCHED)
        return;
    if (t->unit != t->target_unit) { /* routed or dispatched to the wrong unit: it passes it on */
        if ((chance(h, 0.5) && sign(h, t)) || transfer(h, t))
            return;
    } else if (sign(h, t)) {
        return;
    }
    if ((t->want_ext && extension(h, t)) || (t->want_info && request_info(h, t)) ||
        (t->want_follow && follow_up(h, t)) || (t->want_supervise && supervise(h, t)))
        return;
    if (t->stop == WZ_ST_ACCEPTED || reply(h, t, 0) || t->stop == WZ_ST_REPLIED || rate(h, t, 1))
        return;
    if (!reply(h, t, 1)) /* reopened */
        rate(h, t, 2);
}

/* Lets time run to now: due timers fire; an open ticket's light is its running clocks'. */
static void finish(hist_t *h, hticket_t *t)
{
    if (t->status != WZ_ST_CLOSED)
        fire_due(h, t, h->now + 1);
    int l = clock_light(t, h->now);
    if (l >= 0)
        t->light = (wz_sla_light_t)l;
}

/* ---- making up the tickets ---- */

static const char *road_for(hist_t *h, int64_t unit)
{
    switch (unit) {
    case 7:
        return PICK(h, donghua_roads);
    case 10:
        return PICK(h, xihu_roads);
    case 9:
        return PICK(h, xicheng_roads);
    default:
        return PICK(h, city_roads);
    }
}

static void expand(const char *fmt, const char *const vars[26], char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *f = fmt; *f != '\0' && o + 1 < outlen; f++) {
        const char *sub = NULL;
        if (f[0] == '{' && f[1] >= 'A' && f[1] <= 'Z' && f[2] == '}')
            sub = vars[f[1] - 'A'];
        if (sub == NULL) {
            out[o++] = *f;
            continue;
        }
        size_t k = strlen(sub);
        if (o + k >= outlen)
            break;
        memcpy(out + o, sub, k);
        o += k;
        f += 2;
    }
    out[o] = '\0';
}

static const wz_routing_rule_t *route(hist_t *h, hticket_t *t, int64_t *unit)
{
    int64_t path[16];
    size_t depth = 0;
    for (int64_t c = t->category; c > 0 && c < MAX_IDS && depth < 16; c = h->category_parent[c])
        path[depth++] = c;
    wz_routing_facts_t facts = {t->account, h->account_unit[t->account], path, depth, t->title, t->content, t->region};
    return wz_routing_match(h->rules, h->nrules, &facts, unit);
}

/* Where a dispatcher sends a matter by mistake. */
static int64_t wrong_unit_for(int64_t unit)
{
    static const int64_t wrong[11] = {[3] = 7, [4] = 3, [6] = 7, [7] = 10, [9] = 10, [10] = 7};
    return unit > 0 && unit < 11 ? wrong[unit] : 0;
}

/* A ticket from template tp (NULL: any) for unit (0: the template's) received at `received`. */
static hticket_t *make_ticket(hist_t *h, const tmpl_t *tp, int64_t unit, int64_t received)
{
    static const int accounts_by_unit[11][8] = {
        [3] = {1, 2, 3, 4, 5, 6, 6}, [4] = {1, 2, 3, 5, 7, 7}, [6] = {1, 3, 8, 9, 9},
        [7] = {1, 3, 4, 5, 8},       [9] = {1, 2, 3, 10, 11},  [10] = {1, 3, 5, 10},
    };
    hticket_t *t = &h->t[h->n];
    memset(t, 0, sizeof(*t));
    t->order = h->n++;
    t->tp = tp != NULL ? tp : &templates[rnd(h) % N_TEMPLATES];
    t->received = received;
    t->stop = -1;
    t->category = t->tp->category;
    t->target_unit = unit != 0 ? unit : t->tp->unit != 0 ? t->tp->unit : chance(h, 0.6) ? 7 : 10;
    int64_t u = t->target_unit;
    for (int tries = 0; tries < 20; tries++) {
        const int *list = accounts_by_unit[u];
        int n = 0;
        while (n < 8 && list[n] != 0)
            n++;
        t->account = list[rnd(h) % (uint64_t)n];
        /* a suspended account wrote nothing lately */
        if (h->account_active[t->account] || received < h->now - 45 * (int64_t)DAY)
            break;
    }
    t->channel = h->account_platform[t->account];
    if (t->tp->unit == 0)
        snprintf(t->region, sizeof(t->region), "%s",
                 chance(h, 0.6) ? (u == 7 ? "东城区东华街道" : "西城区西湖镇") : (u == 7 ? "东城区" : "西城区"));
    else if (u == 6 || u == 9)
        snprintf(t->region, sizeof(t->region), "%s", u == 6 ? "东城区" : "西城区");

    char date[11], d[32], num[8], phone[16];
    wz_cal_format_date(wz_cal_local_day(h->cal, received) - 1 - (int32_t)(rnd(h) % 10), date);
    snprintf(d, sizeof(d), "%ld月%ld日", strtol(date + 5, NULL, 10), strtol(date + 8, NULL, 10));
    snprintf(num, sizeof(num), "%d", 2 + (int)(rnd(h) % 8));
    const char *prefix = PICK(h, mobile_prefixes);
    unsigned long digits = (unsigned long)(rnd(h) % 100000000u);
    snprintf(phone, sizeof(phone), "%s%08lu", prefix, digits);
    snprintf(t->contact, sizeof(t->contact), "%s****%04lu", prefix, digits % 10000u);
    if (chance(h, 0.15))
        t->contact[0] = '\0';
    const char *vars[26] = {0};
    vars['P' - 'A'] = PICK(h, estates);
    vars['R' - 'A'] = road_for(h, u);
    vars['S' - 'A'] = PICK(h, schools);
    vars['H' - 'A'] = PICK(h, hospitals);
    vars['C' - 'A'] = PICK(h, companies);
    vars['Q' - 'A'] = u == 7 ? "东华街道" : "西湖镇";
    vars['D' - 'A'] = d;
    vars['N' - 'A'] = num;
    vars['T' - 'A'] = phone;
    expand(t->tp->title, vars, t->title, sizeof(t->title));
    expand(t->tp->content, vars, t->content, sizeof(t->content));
    expand(t->tp->reply, vars, t->reply, sizeof(t->reply));
    snprintf(t->citizen, sizeof(t->citizen), "%s%s", PICK(h, surnames), chance(h, 0.5) ? "先生" : "女士");
    if (wz_sla_policy_default(t->tp->type, &t->pol) != 0)
        wz_sla_policy_default("consultation", &t->pol);
    const wz_routing_rule_t *rule = route(h, t, &t->route_unit);
    t->route_rule = rule != NULL ? rule->id : 0;

    /* the usual side paths */
    double r = unif(h);
    if (t->route_rule == 0 && r < 0.14) {
        t->wrong_unit = wrong_unit_for(u);
        t->want_return = r < 0.07;
    }
    t->late_dispatch = chance(h, 0.05);
    t->late_sign = chance(h, 0.05);
    t->late_reply = chance(h, 0.1);
    if (strcmp(t->tp->type, "consultation") != 0 && chance(h, 0.1))
        t->want_ext = chance(h, 0.8) ? 1 : 2;
    if (chance(h, 0.09))
        t->want_info = chance(h, 0.8) ? 1 : 2;
    t->want_follow = chance(h, 0.08);
    t->want_supervise = chance(h, 0.05);
    t->want_send_back = chance(h, 0.3);
    t->rates = chance(h, 0.85);
    r = unif(h);
    t->satisfaction1 = r < 0.7 ? "satisfied" : r < 0.9 ? "basically_satisfied" : "unsatisfied";
    return t;
}

/* A ticket received within [lo, hi); unrouted: one that routing leaves to the dispatcher. */
static hticket_t *make_in(hist_t *h, int64_t lo, int64_t hi, int unrouted)
{
    hticket_t *t = NULL;
    for (int tries = 0; tries < 50; tries++) {
        t = make_ticket(h, NULL, 0, sample_received(h, lo, hi));
        if (!unrouted || t->route_rule == 0)
            break;
        h->n--; /* routing would dispatch it at once: pick another */
    }
    return t;
}

/* A ticket that must stand in `stop` now: received within [lo, hi), its steps squeezed in. */
static void make_stalled(hist_t *h, wz_status_t stop, int64_t lo, int64_t hi, int unrouted)
{
    hticket_t *t = make_in(h, lo, hi, unrouted);
    t->stop = (int)stop;
    t->compress = 1;
    t->wrong_unit = 0;
    t->want_ext = t->want_follow = 0;
    t->want_info = stop == WZ_ST_WAITING_CITIZEN;
    t->want_supervise = stop == WZ_ST_ACCEPTED;
    t->late_reply = 0;
}

static int64_t working_days_ago(hist_t *h, double days)
{
    return wz_cal_add_working_seconds(h->cal, h->now,
                                      -(int64_t)(days * (double)wz_cal_working_seconds_per_day(h->cal)));
}

static void plan_all(hist_t *h)
{
    int64_t now = h->now;
    for (int i = 0; i < 2; i++) /* the latest (12 hours always hold some waking ones) */
        make_stalled(h, WZ_ST_NEW, now - 12 * HOUR, now - 5 * 60, 1);
    for (int i = 0; i < 4; i++)
        make_stalled(h, WZ_ST_NEW, now - 40 * HOUR, now - HOUR, 1);
    for (int i = 0; i < 5; i++)
        make_stalled(h, WZ_ST_DISPATCHED, working_days_ago(h, 2.0), working_days_ago(h, 0.2), 0);
    for (int i = 0; i < 4; i++) /* overdue and supervised */
        make_stalled(h, WZ_ST_ACCEPTED, now - 40 * (int64_t)DAY, now - 20 * (int64_t)DAY, 0);
    for (int i = 0; i < 5; i++)
        make_stalled(h, WZ_ST_WAITING_CITIZEN, working_days_ago(h, 2.5), working_days_ago(h, 0.6), 0);
    for (int i = 0; i < 6; i++)
        make_stalled(h, WZ_ST_REPLIED, working_days_ago(h, 3.0), working_days_ago(h, 0.5), 0);
    /* every side path at least twice, on tickets old enough to have run their course */
    int64_t olo = now - 80 * (int64_t)DAY, ohi = now - 30 * (int64_t)DAY;
    const tmpl_t *reviewed[N_TEMPLATES];
    size_t nreviewed = 0;
    for (size_t i = 0; i < N_TEMPLATES; i++)
        if (templates[i].unit > 0 && h->requires_review[templates[i].unit])
            reviewed[nreviewed++] = &templates[i];
    for (int i = 0; i < 2; i++) {
        hticket_t *t = make_in(h, olo, ohi, 1); /* 退单 */
        t->wrong_unit = wrong_unit_for(t->target_unit);
        t->want_return = 1;
        t = make_in(h, olo, ohi, 1); /* 转办 */
        t->wrong_unit = wrong_unit_for(t->target_unit);
        t->want_return = 0;
        make_in(h, olo, ohi, 0)->want_ext = 1 + i;  /* approved, refused */
        make_in(h, olo, ohi, 0)->want_info = 1 + i; /* answered, never */
        t = make_in(h, olo, ohi, 0);
        t->want_follow = t->want_supervise = 1;
        t = make_in(h, olo, ohi, 0);
        t->rates = 1;
        t->satisfaction1 = "unsatisfied"; /* 重办 */
        make_in(h, olo, ohi, 0)->rates = 0;
        if (nreviewed > 0) {
            t = make_ticket(h, reviewed[rnd(h) % nreviewed], 0, sample_received(h, olo, ohi));
            t->want_send_back = 1;
        }
    }
    int64_t lo = now - HISTORY_DAYS * (int64_t)DAY + HOUR, hi = now - 10 * 60;
    for (int i = 0; i < 3; i++) /* closed by the dispatcher before anyone works on them */
        make_in(h, lo, hi, 1)->spam = 1;
    while (h->n < N_TICKETS) {
        hticket_t *t = make_ticket(h, NULL, 0, sample_received(h, lo, hi));
        if (h->n < N_TICKETS && t->received < now - DAY && chance(h, 0.04)) {
            /* the same matter again through another account, merged into the first */
            int64_t to = t->received + 30 * HOUR < now - HOUR ? t->received + 30 * HOUR : now - HOUR;
            hticket_t *d = make_ticket(h, t->tp, t->target_unit, sample_received(h, t->received + 2 * HOUR, to));
            snprintf(d->title, sizeof(d->title), "%s", t->title);
            snprintf(d->content, sizeof(d->content), "再次反映：%.990s", t->content);
            const wz_routing_rule_t *rule = route(h, d, &d->route_unit);
            d->route_rule = rule != NULL ? rule->id : 0;
            d->dup_of = t;
        }
    }
}

/* ---- writing the rows ---- */

typedef struct {
    MYSQL_BIND b[40];
    long long iv[40];
    unsigned long len[40];
    int n;
} params_t;

static void p_reset(params_t *p)
{
    memset(p->b, 0, sizeof(p->b));
    p->n = 0;
}

static void p_null(params_t *p)
{
    p->b[p->n++].buffer_type = MYSQL_TYPE_NULL;
}

static void p_int(params_t *p, long long v)
{
    int i = p->n++;
    p->iv[i] = v;
    p->b[i].buffer_type = MYSQL_TYPE_LONGLONG;
    p->b[i].buffer = &p->iv[i];
}

static void p_id(params_t *p, long long v) /* 0 = NULL; also instants: 0 = never */
{
    if (v == 0)
        p_null(p);
    else
        p_int(p, v);
}

static void p_str(params_t *p, const char *s)
{
    if (s == NULL) {
        p_null(p);
        return;
    }
    int i = p->n++;
    p->len[i] = (unsigned long)strlen(s);
    p->b[i].buffer_type = MYSQL_TYPE_STRING;
    p->b[i].buffer = (void *)s;
    p->b[i].buffer_length = p->len[i];
    p->b[i].length = &p->len[i];
}

enum { ST_TICKET, ST_EVENT, ST_MESSAGE, ST_REPLY, ST_EXTENSION, ST_RATING, ST_TIMER, ST_COUNTER, ST__COUNT };
static const char *const statements[ST__COUNT] = {
    "INSERT INTO tickets (number, type, category_id, title, content, channel, account_id, region, citizen_name, "
    "contact_masked, status, unit_id, sla_light, received_at, promised_reply_at, dispatch_due_at, dispatched_at, "
    "sign_due_at, signed_at, reply_due_at, replied_at, resolve_due_at, paused_at, closed_at, supervised, extended, "
    "extended_days, reopened_count, returned_count, transferred_count, version, merged_into, close_reason, created_at, "
    "updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?), "
    "FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?), FROM_UNIXTIME(?), "
    "FROM_UNIXTIME(?), FROM_UNIXTIME(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?), FROM_UNIXTIME(?))",
    "INSERT INTO ticket_events (ticket_id, action, from_status, to_status, actor_id, actor_role, unit_id, payload, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?))",
    "INSERT INTO ticket_messages (ticket_id, author, kind, user_id, body, created_at) "
    "VALUES (?, ?, ?, ?, ?, FROM_UNIXTIME(?))",
    "INSERT INTO replies (ticket_id, unit_id, author_id, reviewer_id, body, status, review_note, created_at, "
    "published_at) VALUES (?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?), FROM_UNIXTIME(?))",
    "INSERT INTO extensions (ticket_id, unit_id, requested_by, days, reason, status, decided_by, decided_at, comment, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?), ?, FROM_UNIXTIME(?))",
    "INSERT INTO ratings (ticket_id, unit_id, round, satisfaction, resolved, comment, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?))",
    "INSERT INTO sla_timers (ticket_id, kind, fire_at) VALUES (?, ?, FROM_UNIXTIME(?))",
    "INSERT INTO ticket_counters (day, seq) VALUES (?, ?) ON DUPLICATE KEY UPDATE seq = GREATEST(seq, VALUES(seq))",
};

/* A JSON string literal of s (quotes included). */
static void json_quote(const char *s, char *out, size_t outlen)
{
    size_t o = 0;
    out[o++] = '"';
    for (; *s != '\0' && o + 8 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, outlen - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* The payloads of tickets/plan.c, intake.c and sla/timers.c (ids that the live code adds with
 * JSON_SET come last, as there). */
static const char *payload(const hticket_t *t, const hev_t *e, char *buf, size_t len)
{
    char s[1024];
    json_quote(e->s != NULL ? e->s : "", s, sizeof(s));
    const char *tf[2] = {"false", "true"};
    switch (e->pl) {
    case PL_RECEIVE:
        snprintf(buf, len, "{\"channel\":\"%s\",\"account_id\":%lld}", t->channel, (long long)t->account);
        break;
    case PL_DISPATCH_UNIT:
        snprintf(buf, len, "{\"unit_id\":%lld}", (long long)e->a);
        break;
    case PL_DISPATCH_RULE:
        snprintf(buf, len, "{\"routing_rule\":%lld}", (long long)e->a);
        break;
    case PL_REPLY:
        snprintf(buf, len, "{\"pending_review\":%s,\"reply_id\":%lld}", tf[e->f1 != 0], (long long)t->rep[e->a].id);
        break;
    case PL_REVIEW:
        snprintf(buf, len, "{\"reply_id\":%lld,\"comment\":%s}", (long long)t->rep[e->a].id, s);
        break;
    case PL_REASON:
        snprintf(buf, len, "{\"reason\":%s}", s);
        break;
    case PL_TRANSFER:
        snprintf(buf, len, "{\"from_unit\":%lld,\"to_unit\":%lld,\"reason\":%s}", (long long)e->a, (long long)e->b, s);
        break;
    case PL_EXT_REQUEST:
        snprintf(buf, len, "{\"days\":%lld,\"reason\":%s,\"extension_id\":%lld}", (long long)e->b, s,
                 (long long)t->ext[e->a].id);
        break;
    case PL_EXT_DECIDE:
        snprintf(buf, len, "{\"extension_id\":%lld,\"decision\":\"%s\",\"comment\":%s}", (long long)t->ext[e->a].id,
                 e->f1 ? "approve" : "refuse", s);
        break;
    case PL_NOTE:
        snprintf(buf, len, "{\"note\":%s}", s);
        break;
    case PL_QUESTION:
        snprintf(buf, len, "{\"question\":%s,\"message_id\":%lld}", s, (long long)t->msg[e->a].id);
        break;
    case PL_FOLLOW_UP:
        snprintf(buf, len, "{\"message_id\":%lld}", (long long)t->msg[e->a].id);
        break;
    case PL_RATE:
        snprintf(buf, len, "{\"satisfaction\":%s,\"resolved\":%s,\"reopened\":%s,\"rating_id\":%lld}", s,
                 tf[e->f1 != 0], tf[e->f2 != 0], (long long)t->rat[e->a].id);
        break;
    case PL_TIMER:
        snprintf(buf, len, "{\"timer\":%s}", s);
        break;
    case PL_MERGE:
        snprintf(buf, len, "{\"primary_id\":%lld}", (long long)e->other->id);
        break;
    case PL_DUPLICATE:
        snprintf(buf, len, "{\"duplicate_id\":%lld}", (long long)e->other->id);
        break;
    default:
        return NULL;
    }
    return buf;
}

static int exec(MYSQL_STMT *st, params_t *p, int64_t *id, const char *what, char *err, size_t errlen)
{
    if (mysql_stmt_bind_param(st, p->b) != 0 || mysql_stmt_execute(st) != 0) {
        snprintf(err, errlen, "history: %s: %s", what, mysql_stmt_error(st));
        return -1;
    }
    if (id != NULL)
        *id = (int64_t)mysql_stmt_insert_id(st);
    return 0;
}

static int insert_ticket(MYSQL_STMT *st, hticket_t *t, int32_t day, int seq, char *err, size_t errlen)
{
    params_t p;
    char date[11], number[32];
    wz_cal_format_date(day, date);
    snprintf(number, sizeof(number), "WZ%.4s%.2s%.2s%06d", date, date + 5, date + 8, seq);
    p_reset(&p);
    p_str(&p, number);
    p_str(&p, t->tp->type);
    p_id(&p, t->category);
    p_str(&p, t->title);
    p_str(&p, t->content);
    p_str(&p, t->channel);
    p_id(&p, t->account);
    p_str(&p, t->region);
    p_str(&p, t->citizen);
    p_str(&p, t->contact);
    p_str(&p, wz_status_name(t->status));
    p_id(&p, t->unit);
    p_str(&p, wz_sla_light_name(t->light));
    const int64_t times[] = {
        t->received,  t->promised,  t->dispatch_due, t->dispatched,  t->sign_due,
        t->signed_at, t->reply_due, t->replied,      t->resolve_due, t->status == WZ_ST_WAITING_CITIZEN ? t->paused : 0,
        t->closed};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
        p_id(&p, times[i]);
    const int counts[] = {t->supervised, t->extended,    t->extended_days, t->reopened,
                          t->returned,   t->transferred, t->version};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        p_int(&p, counts[i]);
    p_id(&p, t->dup_of != NULL && t->status == WZ_ST_CLOSED ? t->dup_of->id : 0);
    p_str(&p, t->close_reason != NULL ? t->close_reason : "");
    p_int(&p, t->received);
    p_int(&p, t->last);
    return exec(st, &p, &t->id, "ticket", err, errlen);
}

/* One row of a ticket's (kind, index), in the order of time across all tickets, as the live code
 * would have inserted them. */
typedef struct {
    int64_t at;
    hticket_t *t;
    int i;
} rowref_t;

static int by_time(const void *a, const void *b)
{
    const rowref_t *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    if (x->t->order != y->t->order)
        return x->t->order < y->t->order ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

enum { ROW_MESSAGE, ROW_REPLY, ROW_EXTENSION, ROW_RATING, ROW_TIMER, ROW_EVENT, ROW__COUNT };

static size_t collect(hist_t *h, int kind, rowref_t *refs)
{
    size_t n = 0;
    for (int k = 0; k < h->n; k++) {
        hticket_t *t = &h->t[k];
        int count = kind == ROW_MESSAGE     ? t->nmsg
                    : kind == ROW_REPLY     ? t->nrep
                    : kind == ROW_EXTENSION ? t->next
                    : kind == ROW_RATING    ? t->nrat
                    : kind == ROW_TIMER     ? TK__COUNT
                                            : t->nev;
        for (int i = 0; i < count; i++) {
            int64_t at = kind == ROW_MESSAGE     ? t->msg[i].at
                         : kind == ROW_REPLY     ? t->rep[i].created
                         : kind == ROW_EXTENSION ? t->ext[i].at
                         : kind == ROW_RATING    ? t->rat[i].at
                         : kind == ROW_TIMER     ? t->fire[i]
                                                 : t->ev[i].at;
            if (kind == ROW_TIMER && (t->status == WZ_ST_CLOSED || !(t->armed & TK_BIT(i))))
                continue;
            refs[n++] = (rowref_t){at, t, i};
        }
    }
    qsort(refs, n, sizeof(*refs), by_time);
    return n;
}

static int insert_row(MYSQL_STMT **st, int kind, const rowref_t *r, char *err, size_t errlen)
{
    params_t p;
    char json[2048];
    hticket_t *t = r->t;
    p_reset(&p);
    p_int(&p, t->id);
    switch (kind) {
    case ROW_MESSAGE: {
        hmsg_t *m = &t->msg[r->i];
        p_str(&p, m->author);
        p_str(&p, m->kind);
        p_id(&p, m->user);
        p_str(&p, m->body);
        p_int(&p, m->at);
        return exec(st[ST_MESSAGE], &p, &m->id, "message", err, errlen);
    }
    case ROW_REPLY: {
        hreply_t *x = &t->rep[r->i];
        p_id(&p, x->unit);
        p_int(&p, x->author);
        p_id(&p, x->reviewer);
        p_str(&p, x->body);
        p_str(&p, x->status);
        p_str(&p, x->note);
        p_int(&p, x->created);
        p_id(&p, x->published);
        return exec(st[ST_REPLY], &p, &x->id, "reply", err, errlen);
    }
    case ROW_EXTENSION: {
        hext_t *x = &t->ext[r->i];
        p_int(&p, x->unit);
        p_int(&p, x->by);
        p_int(&p, x->days);
        p_str(&p, x->reason);
        p_str(&p, x->status);
        p_id(&p, x->decided_by);
        p_id(&p, x->decided);
        p_str(&p, x->comment);
        p_int(&p, x->at);
        return exec(st[ST_EXTENSION], &p, &x->id, "extension", err, errlen);
    }
    case ROW_RATING: {
        hrating_t *x = &t->rat[r->i];
        p_id(&p, x->unit);
        p_int(&p, x->round);
        p_str(&p, x->satisfaction);
        p_int(&p, x->resolved);
        p_str(&p, x->comment);
        p_int(&p, x->at);
        return exec(st[ST_RATING], &p, &x->id, "rating", err, errlen);
    }
    case ROW_TIMER:
        p_str(&p, timer_names[r->i]);
        p_int(&p, t->fire[r->i]);
        return exec(st[ST_TIMER], &p, NULL, "timer", err, errlen);
    default: {
        hev_t *e = &t->ev[r->i];
        p_str(&p, e->action);
        p_str(&p, e->from);
        p_str(&p, e->to);
        p_id(&p, e->actor);
        p_str(&p, e->role);
        p_id(&p, e->unit);
        p_str(&p, payload(t, e, json, sizeof(json)));
        p_int(&p, e->at);
        return exec(st[ST_EVENT], &p, NULL, "event", err, errlen);
    }
    }
}

static int insert_counter(MYSQL_STMT *st, int32_t day, int seq, char *err, size_t errlen)
{
    params_t p;
    char date[11];
    wz_cal_format_date(day, date);
    p_reset(&p);
    p_str(&p, date);
    p_int(&p, seq);
    return exec(st, &p, NULL, "ticket_counters", err, errlen);
}

/* ---- reading the demo's reference data ---- */

static MYSQL_RES *query(MYSQL *db, const char *sql, char *err, size_t errlen)
{
    MYSQL_RES *r = NULL;
    if (mysql_query(db, sql) != 0 || (r = mysql_store_result(db)) == NULL)
        snprintf(err, errlen, "history: %s: %s", sql, mysql_error(db));
    return r;
}

static long long cell(MYSQL_ROW row, int i)
{
    return row[i] != NULL ? strtoll(row[i], NULL, 10) : 0;
}

static int in_range(long long id)
{
    return id > 0 && id < MAX_IDS;
}

static int load_reference(MYSQL *db, hist_t *h, char *err, size_t errlen)
{
    MYSQL_RES *r;
    MYSQL_ROW row;
    if ((r = query(db, "SELECT id, role, unit_id FROM users WHERE disabled = 0 ORDER BY id", err, errlen)) == NULL)
        return -1;
    while ((row = mysql_fetch_row(r)) != NULL) {
        long long id = cell(row, 0), unit = cell(row, 2);
        const char *role = row[1];
        int64_t *slot = strcmp(role, "admin") == 0        ? &h->admin
                        : strcmp(role, "dispatcher") == 0 ? &h->dispatcher
                        : strcmp(role, "supervisor") == 0 ? &h->supervisor
                        : !in_range(unit)                 ? NULL
                        : strcmp(role, "staff") == 0      ? &h->staff[unit]
                        : strcmp(role, "reviewer") == 0   ? &h->reviewer[unit]
                                                          : NULL;
        if (slot != NULL && *slot == 0)
            *slot = id;
    }
    mysql_free_result(r);
    if (h->admin == 0 || h->dispatcher == 0 || h->supervisor == 0) {
        snprintf(err, errlen, "history: the demo needs an admin, a dispatcher and a supervisor");
        return -1;
    }
    if ((r = query(db, "SELECT id, requires_review FROM units", err, errlen)) == NULL)
        return -1;
    while ((row = mysql_fetch_row(r)) != NULL)
        if (in_range(cell(row, 0)))
            h->requires_review[cell(row, 0)] = (int)cell(row, 1);
    mysql_free_result(r);
    if ((r = query(db, "SELECT id, unit_id, platform, status FROM accounts", err, errlen)) == NULL)
        return -1;
    while ((row = mysql_fetch_row(r)) != NULL) {
        long long id = cell(row, 0);
        if (!in_range(id))
            continue;
        h->account_unit[id] = cell(row, 1);
        snprintf(h->account_platform[id], sizeof(h->account_platform[id]), "%s", row[2]);
        h->account_active[id] = strcmp(row[3], "active") == 0;
    }
    mysql_free_result(r);
    for (int id = 1; id <= 11; id++) {
        if (h->account_platform[id][0] == '\0') {
            snprintf(err, errlen, "history: demo account %d is missing", id);
            return -1;
        }
    }
    if ((r = query(db, "SELECT id, parent_id FROM categories", err, errlen)) == NULL)
        return -1;
    while ((row = mysql_fetch_row(r)) != NULL)
        if (in_range(cell(row, 0)))
            h->category_parent[cell(row, 0)] = cell(row, 1);
    mysql_free_result(r);
    if ((r = query(db,
                   "SELECT id, priority, kind, match_id, match_text, unit_id FROM routing_rules "
                   "WHERE enabled = 1 ORDER BY priority, id",
                   err, errlen)) == NULL)
        return -1;
    while ((row = mysql_fetch_row(r)) != NULL && h->nrules < MAX_RULES) {
        wz_routing_rule_t *rule = &h->rules[h->nrules];
        int kind = wz_rule_kind_parse(row[2], strlen(row[2]));
        rule->id = cell(row, 0);
        rule->priority = (int)cell(row, 1);
        rule->kind = kind < 0 ? WZ_RULE__COUNT : (wz_rule_kind_t)kind;
        rule->match_id = cell(row, 3);
        if (row[4] != NULL) {
            snprintf(h->rule_text[h->nrules], sizeof(h->rule_text[0]), "%s", row[4]);
            rule->match_text = h->rule_text[h->nrules];
        }
        rule->unit_id = cell(row, 5);
        rule->enabled = 1;
        h->nrules++;
    }
    mysql_free_result(r);
    return 0;
}

static int by_received(const void *a, const void *b)
{
    const hticket_t *x = *(hticket_t *const *)a, *y = *(hticket_t *const *)b;
    if (x->received != y->received)
        return x->received < y->received ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The unit a ticket was with at `at`, from its dispatch, transfer and return events. */
static int64_t unit_at(const hticket_t *t, int64_t at)
{
    int64_t unit = 0;
    for (int i = 0; i < t->nev && t->ev[i].at <= at; i++) {
        const char *a = t->ev[i].action;
        if (strcmp(a, "dispatch") == 0 || strcmp(a, "transfer") == 0)
            unit = t->ev[i].unit;
        else if (strcmp(a, "return") == 0)
            unit = 0;
    }
    return unit;
}

/* A merge also leaves an event on its primary (tickets/plan.c), at the time of the merge. */
static void note_merges(hist_t *h)
{
    for (int k = 0; k < h->n; k++) {
        hticket_t *d = &h->t[k], *p = d->dup_of;
        if (p == NULL || d->close_reason == NULL || strcmp(d->close_reason, "merged") != 0)
            continue;
        if (p->nev == MAX_EVENTS) {
            bug(h, p, "too many events");
            return;
        }
        int64_t unit = unit_at(p, d->closed);
        p->ev[p->nev++] = (hev_t){.at = d->closed,
                                  .action = "merge",
                                  .actor = h->dispatcher,
                                  .role = "dispatcher",
                                  .unit = unit,
                                  .pl = PL_DUPLICATE,
                                  .other = d};
    }
}

int wz_demo_seed_history(MYSQL *db, const wz_calendar_t *cal, int64_t now, unsigned seed, char *err, size_t errlen)
{
    int ret = -1;
    MYSQL_STMT *st[ST__COUNT] = {0};
    hticket_t **sorted = NULL;
    rowref_t *refs = NULL;
    hist_t *h = calloc(1, sizeof(*h));
    if (h == NULL)
        abort();
    h->t = calloc(N_TICKETS, sizeof(hticket_t));
    if (h->t == NULL)
        abort();
    h->cal = cal;
    h->now = now;
    h->rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed * 0xBF58476D1CE4E5B9ull);
    if (h->rng == 0)
        h->rng = 1;
    if (load_reference(db, h, err, errlen) != 0)
        goto done;

    plan_all(h);
    for (int i = 0; i < h->n; i++) {
        story(h, &h->t[i]);
        finish(h, &h->t[i]);
    }
    note_merges(h);
    if (h->bug[0] != '\0') {
        snprintf(err, errlen, "history: a story broke the rules: %s", h->bug);
        goto done;
    }

    for (int i = 0; i < ST__COUNT; i++) {
        st[i] = mysql_stmt_init(db);
        if (st[i] == NULL || mysql_stmt_prepare(st[i], statements[i], (unsigned long)strlen(statements[i])) != 0) {
            snprintf(err, errlen, "history: prepare: %s", st[i] ? mysql_stmt_error(st[i]) : "out of memory");
            goto done;
        }
    }
    /* tickets in order of receipt: ids and daily numbers follow time, and a merge's primary
     * exists before its duplicate */
    sorted = calloc((size_t)h->n, sizeof(*sorted));
    refs = calloc((size_t)h->n * MAX_EVENTS, sizeof(*refs));
    if (sorted == NULL || refs == NULL)
        abort();
    for (int i = 0; i < h->n; i++)
        sorted[i] = &h->t[i];
    qsort(sorted, (size_t)h->n, sizeof(*sorted), by_received);
    int32_t day = 0;
    int seq = 0;
    for (int i = 0; i < h->n; i++) {
        int32_t d = wz_cal_local_day(cal, sorted[i]->received);
        if (d != day) {
            if (seq > 0 && insert_counter(st[ST_COUNTER], day, seq, err, errlen) != 0)
                goto done;
            day = d;
            seq = 0;
        }
        if (insert_ticket(st[ST_TICKET], sorted[i], day, ++seq, err, errlen) != 0)
            goto done;
    }
    if (seq > 0 && insert_counter(st[ST_COUNTER], day, seq, err, errlen) != 0)
        goto done;
    /* then every other table in order of time; events last, their payloads name the rows */
    for (int kind = 0; kind < ROW__COUNT; kind++) {
        size_t n = collect(h, kind, refs);
        for (size_t i = 0; i < n; i++)
            if (insert_row(st, kind, &refs[i], err, errlen) != 0)
                goto done;
    }
    ret = h->n;
done:
    for (int i = 0; i < ST__COUNT; i++)
        if (st[i] != NULL)
            mysql_stmt_close(st[i]);
    free(refs);
    free(sorted);
    free(h->t);
    free(h);
    return ret;
}
