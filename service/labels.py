"""Every code a person may see, with its label in English and in Simplified Chinese.

One catalogue for the admin and the command line: enums (kinds, directions, states,
statuses, reasons, channels, access levels…) and the audit log's actions and entities.
A code is looked up in its group; an enum member names its own group (its class name),
a plain string says which group it belongs to:

    label(CycleState.ACTIVE, "zh-CN")           -> "进行中"
    label("TEAM", "en", group="Scope")          -> "Team"

To add a label, add the code to its group below, with both languages (see admin/README.md).
`tests/unit/test_labels.py` fails when an enum member, or an audit action written by a
use case, has no label here.
"""

from __future__ import annotations

from enum import Enum

LABEL_LANGUAGES = ("en", "zh-CN")

# group -> code -> (English, Simplified Chinese)
CATALOGUE: dict[str, dict[str, tuple[str, str]]] = {
    "AccessLevel": {
        "ADMIN": ("Admin", "管理员"),
        "MANAGER": ("Manager", "经理"),
        "EMPLOYEE": ("Employee", "员工"),
        "INTEGRATION": ("Integration", "集成"),
    },
    "CycleState": {
        "DRAFT": ("Draft", "草稿"),
        "ACTIVE": ("Active", "进行中"),
        "REVIEW": ("Review", "复核"),
        "FINALIZED": ("Finalised", "已定稿"),
    },
    "ScoreState": {
        "PROVISIONAL": ("Provisional", "暂定"),
        "FINAL": ("Final", "最终"),
    },
    "ScoreStatus": {
        "SCORED": ("Scored", "已评分"),
        "NO_DATA": ("No data", "无数据"),
        "NOT_ELIGIBLE": ("Not eligible", "不参评"),
    },
    "StatusReason": {
        "NO_SCORED_LINE": ("no line had enough data", "没有数据足够的指标"),
        "NOT_ENOUGH_EVIDENCE": ("too little of the person's own data", "本人数据不足"),
        "NOT_IN_SCOPE": ("not in the cycle's scope", "不在本周期范围内"),
        "NO_SCORECARD": ("no scorecard for the position", "该岗位没有评分卡"),
        "EMPLOYED_TOO_FEW_DAYS": ("employed too few days", "在职天数不足"),
    },
    "LineStatus": {
        "SCORED": ("Scored", "已计分"),
        "INSUFFICIENT_DATA": ("Not enough data", "数据不足"),
    },
    "AppealState": {
        "OPEN": ("Open", "待处理"),
        "ACCEPTED": ("Accepted", "已接受"),
        "REJECTED": ("Rejected", "已驳回"),
    },
    "ReviewKind": {
        "MANAGER": ("Manager's rating", "经理评分"),
        "SELF": ("Self-review", "自评"),
    },
    "KpiKind": {
        "QUANTITATIVE": ("Measured", "定量"),
        "QUALITATIVE": ("Rated", "定性"),
    },
    "Direction": {
        "HIGHER_IS_BETTER": ("Higher is better", "越高越好"),
        "LOWER_IS_BETTER": ("Lower is better", "越低越好"),
    },
    "Aggregation": {
        "MEAN": ("Average", "平均值"),
        "SUM": ("Sum", "求和"),
        "COUNT": ("Count", "计数"),
        "SHARE_AT_LEAST": ("Share at or above a bound", "达到下限的占比"),
        "SHARE_AT_MOST": ("Share at or below a bound", "不超过上限的占比"),
        "PERCENTILE": ("Percentile", "百分位数"),
        "REVIEW_MEAN": ("Average rating", "评分平均值"),
    },
    "Scope": {
        "INDIVIDUAL": ("Individual", "个人"),
        "TEAM": ("Team", "团队"),
    },
    "GoalState": {
        "PROPOSED": ("Proposed", "已提议"),
        "RETURNED": ("Returned", "已退回"),
        "ACCEPTED": ("Accepted", "已接受"),
    },
    "GoalStatus": {
        "ON_TRACK": ("On track", "进展正常"),
        "AT_RISK": ("At risk", "有风险"),
        "ACHIEVED": ("Achieved", "已达成"),
        "MISSED": ("Missed", "未达成"),
    },
    # A finding's result (SMART letters are shown as they are: single letters are no codes).
    "SmartResult": {
        "WARNING": ("Warning", "提醒"),
        "ERROR": ("Error", "错误"),
    },
    "Method": {
        "LINEAR": ("Linear", "线性"),
        "BANDS": ("Bands", "分档"),
        "BINARY": ("Met or not", "达标/不达标"),
    },
    "Channel": {
        "ONLINE_SURVEY": ("Online survey", "在线问卷"),
        "PHONE_CALLBACK": ("Phone callback", "电话回访"),
        "FACE_TO_FACE": ("Face to face", "面对面"),
    },
    "CalibrationFlag": {
        "LENIENT": ("Lenient", "偏宽"),
        "HARSH": ("Harsh", "偏严"),
        "IN_LINE": ("In line", "正常"),
        "TOO_FEW": ("Too few ratings", "样本太少"),
    },
    "IngestMode": {
        "ALL_OR_NOTHING": ("All or nothing", "全部或全不"),
        "KEEP_VALID": ("Keep the valid rows", "保留有效行"),
    },
    "RecordKind": {
        "observations": ("Observations", "观测数据"),
        "feedback": ("Customer feedback", "客户反馈"),
        "reviews": ("Reviews", "评议"),
    },
    "FeedbackKind": {
        "PRAISE": ("Praise", "表扬"),
        "SUGGESTION": ("Suggestion", "建议"),
    },
    "CadenceStatus": {
        "NOT_DUE": ("Not due", "未到期"),
        "DUE": ("Due", "到期"),
        "OVERDUE": ("Overdue", "已逾期"),
    },
    "DevelopmentStatus": {
        "PLANNED": ("Planned", "计划中"),
        "IN_PROGRESS": ("In progress", "进行中"),
        "DONE": ("Done", "已完成"),
        "DROPPED": ("Dropped", "已放弃"),
    },
    "DevelopmentAction": {
        "COURSE": ("Course", "课程"),
        "COACHING": ("Coaching", "辅导"),
        "SHADOWING": ("Shadowing", "跟岗学习"),
        "SESSION": ("Knowledge-sharing session", "经验分享会"),
        "CUSTOM": ("Custom", "自定义"),
    },
    "ImportChannel": {
        "ADMIN_CSV": ("CSV upload in the admin", "后台 CSV 上传"),
        "CLI_CSV": ("CSV import on the command line", "命令行 CSV 导入"),
        "API_BATCH": ("API batch", "接口批次"),
    },
    "CourseFormat": {
        "CLASSROOM": ("Classroom", "课堂"),
        "ONLINE": ("Online", "线上"),
        "WORKSHOP": ("Workshop", "工作坊"),
        "SELF_PACED": ("Self-paced", "自学"),
    },
    "RecognitionVisibility": {
        "PUBLIC": ("Public: the team sees it", "公开：团队可见"),
        "PRIVATE": ("Private", "不公开"),
    },
    "RoleModelView": {
        "NONE": ("Not shown", "不显示"),
        "FULL": ("Everyone, with points", "全部（含得分）"),
        "COLLEAGUE": ("Named role models only", "仅显示愿意具名的榜样"),
    },
    "audit_action": {
        "give_recognition": ("Recognition given", "给予认可"),
        "recognize_customer_praise": (
            "Customer praise turned into recognition",
            "客户表扬转为认可",
        ),
        "set_recognition_visibility": ("Recognition visibility changed", "修改认可的可见范围"),
        "hide_recognition": ("Recognition hidden", "隐藏认可"),
        # Role models and best practice (docs/role-models.md)
        "set_role_model_opt_in": ("Role-model naming changed", "修改榜样具名设置"),
        "share_best_practice": ("Best practice shared", "分享最佳实践"),
        "thank_best_practice": ("Best practice thanked", "感谢最佳实践"),
        "hide_best_practice": ("Best practice hidden", "隐藏最佳实践"),
        "schedule_session": ("Session scheduled", "安排经验分享会"),
        "attend_session": ("Session attendance recorded", "记录分享会出勤"),
        "activate_user": ("Account reactivated", "重新启用账户"),
        "save_shadow_scorecard": ("Shadow scorecard saved", "保存影子评分卡"),
        "delete_shadow_scorecard": ("Shadow scorecard deleted", "删除影子评分卡"),
        "record_check_in": ("Check-in recorded", "记录面谈"),
        "record_import_failure": ("Failed import recorded", "记录导入失败"),
        "acknowledge_check_in": ("Check-in acknowledged", "确认面谈"),
        "give_feedback_note": ("Feedback note given", "给出反馈"),
        "hide_feedback_note": ("Feedback note hidden", "隐藏反馈"),
        "set_development_plan": ("Development plan saved", "保存发展计划"),
        "add_development_item": ("Development item added", "添加发展事项"),
        "update_development_item": ("Development item changed", "修改发展事项"),
        "save_course": ("Course saved", "保存课程"),
        "record_attendance": ("Attendance recorded", "记录培训出勤"),
        "goal.set": ("Goal set", "设定目标"),
        "goal.propose": ("Goal proposed", "提议目标"),
        "goal.accept": ("Goal accepted", "接受目标"),
        "goal.return": ("Goal returned", "退回目标"),
        "goal.report": ("Goal value reported", "报告目标进展"),
        "goal.delete": ("Goal deleted", "删除目标"),
        "promote_shadow_scorecards": ("Shadow scorecards promoted", "影子评分卡转为新周期"),
        "roll_out_pilot": ("Pilot rolled out", "试点推广为新周期"),
        "deactivate_user": ("Account deactivated", "停用账户"),
        "adjust_score": ("Score adjusted", "调整分数"),
        "change_password": ("Password changed", "修改密码"),
        "create_cycle": ("Cycle created", "创建周期"),
        "update_cycle": ("Cycle changed", "修改周期"),
        "create_employee": ("Employee added", "添加员工"),
        "update_employee": ("Employee changed", "修改员工"),
        "create_kpi": ("KPI created", "创建指标"),
        "update_kpi": ("KPI changed", "修改指标"),
        "create_position": ("Position created", "创建岗位"),
        "update_position": ("Position changed", "修改岗位"),
        "create_team": ("Team created", "创建团队"),
        "update_team": ("Team changed", "修改团队"),
        "create_user": ("Account created", "创建账户"),
        "set_user_access": ("Access changed", "修改权限"),
        "file_appeal": ("Appeal filed", "提出申诉"),
        "resolve_appeal": ("Appeal resolved", "处理申诉"),
        "issue_token": ("API token issued", "签发接口令牌"),
        "revoke_token": ("API token revoked", "撤销接口令牌"),
        "override_finalisation_checks": (
            "Cycle finalised despite open checks",
            "未完成检查即定稿",
        ),
        "record_feedback": ("Customer feedback recorded", "记录客户反馈"),
        "record_observations": ("Observations recorded", "记录观测数据"),
        "save_calibration_record": ("Calibration record saved", "保存校准记录"),
        "save_scorecard": ("Scorecard saved", "保存评分卡"),
        "submit_review": ("Rating given", "提交评分"),
        "transition_cycle": ("Cycle moved on", "周期状态变更"),
        "update_policy": ("Policy changed", "修改规则"),
        "void_observation": ("Observation voided", "作废观测数据"),
    },
    "audit_entity": {
        "recognition": ("Recognition", "认可"),
        "role_model_setting": ("Role-model setting", "榜样设置"),
        "best_practice_note": ("Best-practice note", "最佳实践"),
        "knowledge_session": ("Knowledge-sharing session", "经验分享会"),
        "api_token": ("API token", "接口令牌"),
        "shadow_scorecard": ("Shadow scorecard", "影子评分卡"),
        "goal": ("Goal", "目标"),
        "course": ("Course", "课程"),
        "development_plan": ("Development plan", "发展计划"),
        "check_in": ("Check-in", "面谈"),
        "import_failure": ("Failed import", "导入失败"),
        "feedback_note": ("Feedback note", "反馈"),
        "appeal": ("Appeal", "申诉"),
        "cycle": ("Cycle", "周期"),
        "employee": ("Employee", "员工"),
        "kpi": ("KPI", "指标"),
        "observation": ("Observation", "观测数据"),
        "policy": ("Policy", "规则"),
        "position": ("Position", "岗位"),
        "review": ("Review", "评议"),
        "score": ("Score", "分数"),
        "scorecard": ("Scorecard", "评分卡"),
        "team": ("Team", "团队"),
        "user": ("Account", "账户"),
    },
}


def label(code: Enum | str | None, lang: str, *, group: str | None = None) -> str:
    """The code's label in `lang` (English for any language but Chinese); an unknown
    code comes back as it is, which the untranslated-code test catches on a page."""
    if code is None:
        return "—"
    if isinstance(code, Enum):
        group = group or type(code).__name__
        code = str(code.value)
    found = CATALOGUE.get(group or "", {}).get(code)
    if found is None:
        return code
    return found[1] if lang == "zh-CN" else found[0]


def has_label(group: str, code: str) -> bool:
    return code in CATALOGUE.get(group, {})
