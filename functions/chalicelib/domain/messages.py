"""Every message a client can be answered with, in one table: a stable message key, the public
error `code` the answer carries (API.md; never renamed) and the text in Chinese and English.

A raise site names the key and the values its text needs (`NotFound("topic_not_found")`,
`Invalid("text_too_long", field=..., label=..., max_len=..., length=...)`); the error class
still gives the HTTP status. One code may have many messages (`invalid_choice` says which
choice was wrong), so messages are keyed by their own id and carry the code. Placeholders are
`str.format` fields filled from the raise site's keyword arguments.

`tests/unit/test_messages.py` checks the table (both languages, snake_case codes, no two keys
with the same text, every key used); `scripts/dev/catalogue_check.py` lists raise sites that
still carry inline text instead of a key. This module is the product's wording of refusals:
longer than most because it is one table, one line per message.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    """One answer's wording: `code` is the public error code, `zh`/`en` are templates."""

    code: str
    zh: str
    en: str

    def render(self, params: dict[str, Any]) -> tuple[str, str]:
        return self.zh.format(**params), self.en.format(**params)


_TABLE: list[tuple[str, str, str, str]] = [
    # key, code, zh, en
    # --- request bodies (api/request_body.py) and the app's own answers (api/) -------------
    ("body_too_large", "too_large", "请求体超过 {kb} KB", "Request body larger than {kb} KB"),
    ("body_not_utf8", "invalid_json", "请求体不是有效的 UTF-8", "The body is not valid UTF-8"),
    ("body_not_json", "invalid_json", "请求体不是有效的 JSON", "The body is not valid JSON"),
    ("body_too_deep", "too_deep", "JSON 嵌套超过 {depth} 层", "JSON nested deeper than {depth}"),
    ("body_not_object", "wrong_type", "请求体须为 JSON 对象", "The body must be a JSON object"),
    ("number_too_long", "invalid_number", "数字过长", "Number too long"),
    ("number_out_of_range", "invalid_number", "数字超出范围", "Number out of range"),
    ("number_not_finite", "invalid_number", "不支持 NaN 或 Infinity",
     "NaN and Infinity are not JSON numbers"),
    ("text_nul", "invalid_text", "文本中不能含有空字符", "Text may not contain NUL characters"),
    ("text_lone_surrogate", "invalid_text", "文本中含有无效字符",
     "Text contains an invalid character (a lone surrogate)"),
    ("unknown_field", "unknown_field", "不认识的字段：{field}", "Unknown field: {field}"),
    ("no_such_resource", "not_found", "没有这个地址", "No such resource"),
    ("no_such_api_path", "not_found", "没有这个接口", "No such API path"),
    ("unknown_action", "not_found", "没有这个操作", "Unknown action '{action}'"),
    ("unknown_decision", "not_found", "没有这个操作", "Unknown decision '{decision}'"),
    ("method_not_allowed", "method_not_allowed", "该接口不支持这种请求方法",
     "This path does not support that method"),
    ("unsupported_media_type", "unsupported_media_type",
     "请求体须为 JSON（Content-Type: application/json）",
     "The body must be JSON (Content-Type: application/json)"),
    ("bad_request", "bad_request", "请求无效", "Bad request"),
    ("internal", "internal", "服务器内部错误", "Internal error"),
    ("unavailable", "unavailable", "服务暂时不可用，请稍后重试",
     "Service temporarily unavailable; retry later"),
    # --- text fields (domain/text.py, services) ----------------------------------------------
    ("text_empty", "empty", "{label}不能为空", "{field} must not be empty"),
    ("text_too_long", "too_long", "{label}不能超过 {max_len} 个字（现为 {length} 个字）",
     "{field} must be at most {max_len} characters (it has {length})"),
    ("field_required", "required", "请填写{label}", "{field} is required"),
    ("text_not_string", "wrong_type", "{label}须为文本", "{field} must be a string"),
    ("not_boolean", "wrong_type", "{field} 须为 true 或 false", "{field} must be a boolean"),
    ("reason_required", "empty", "请填写理由", "A reason is required"),
    ("idempotency_key_length", "wrong_type", "idempotency_key 须为 1–128 个字符",
     "idempotency_key must be 1-128 chars"),
    ("idempotency_key_reused", "idempotency_key_reused", "该幂等键已用于另一内容的请求",
     "This idempotency key was used for a different request"),
    ("unknown_department", "unknown_department", "未知的部门", "Unknown department"),
    # --- letters (domain/letters.py, services/letters.py) ------------------------------------
    ("letter_transition", "invalid_transition", "当前状态“{status_label}”下不能执行该操作",
     "Cannot {action} a letter that is {status}"),
    ("department_required", "invalid", "请选择承办部门", "Choose a department"),
    ("duplicate_of_type", "wrong_type", "duplicate_of 须为来信编号（文本）或 null",
     "duplicate_of must be a letter id (a string) or null"),
    ("duplicate_of_format", "invalid",
     "duplicate_of 须为来信编号（字母、数字，至多 {max_len} 个字符）",
     "duplicate_of must be a letter id (letters and digits, at most {max_len})"),
    ("duplicate_of_unknown", "duplicate_of_unknown", "没有这封原信：请填写所重复来信的编号",
     "No such original letter: give the id of the letter this one repeats"),
    ("duplicate_of_self", "duplicate_of_self", "来信不能是它自己的重复件",
     "A letter cannot be a duplicate of itself"),
    ("duplicate_of_duplicate", "duplicate_of_duplicate",
     "所选来信本身是重复件，请关联其原信 {original}",
     "That letter is itself a duplicate: link to its original {original} instead"),
    ("extension_days_range", "invalid", "延期天数须为 1 到 {max_days} 个工作日",
     "working_days must be 1 to {max_days}"),
    ("redo_limit", "invalid_transition", "该来信已重办 {count} 次，已达上限",
     "This letter was already redone {count} times"),
    ("keep_needs_unsatisfied", "invalid_transition", "只有评价为不满意的答复可以维持",
     "Only a reply rated unsatisfied can be kept"),
    ("already_kept", "already_kept", "该答复已维持", "This reply was already kept"),
    ("no_reply_to_rate", "invalid_transition", "答复尚未发布，暂不能评价",
     "There is no released reply to rate yet"),
    ("already_rated", "already_rated", "该答复已评价过", "This reply was already rated"),
    ("score_choice", "invalid", "评价须为 满意 / 基本满意 / 不满意",
     "score must be satisfied, basically_satisfied or unsatisfied"),
    ("votes_published_only", "invalid_transition", "只能对已公开的答复投票",
     "Only published replies take votes"),
    ("direction_choice", "invalid_choice", "direction 须为 up 或 down",
     "direction must be up or down"),
    ("no_follow_up", "invalid_transition", "该答复无需提醒评价",
     "This reply needs no rating follow-up"),
    ("letter_type_choice", "invalid_choice", "请选择来信类型", "type must be one of {types}"),
    ("phone_invalid", "invalid", "电话号码格式不正确", "Phone number is not valid"),
    ("email_invalid", "invalid", "电子邮箱格式不正确", "E-mail address is not valid"),
    ("tracking_not_found", "not_found", "查询码或密码不正确",
     "Unknown tracking code or wrong secret"),
    ("contact_invalid", "invalid_contact", "请填写提交来信时留下的手机号码或电子邮箱",
     "Give the mobile number or e-mail address you left with the letter"),
    ("letter_not_found", "not_found", "没有这封来信", "No such letter"),
    ("published_letter_not_found", "not_found", "没有这封公开来信", "No such published letter"),
    ("letter_other_department", "forbidden", "该来信不属于您的部门",
     "This letter belongs to another department"),
    ("role_forbidden", "forbidden", "您的角色不能执行该操作", "Your role may not do this"),
    ("clerk_own_department", "forbidden", "只能查看本部门来信",
     "Clerks see their own department only"),
    ("approve_needs_pending", "invalid_transition", "只有待审核的答复可以审核",
     "Only a reply awaiting approval can be approved"),
    ("page_out_of_range", "out_of_range", "{label}须为 {low} 至 {high} 的整数",
     "'{field}' must be a whole number from {low} to {high}"),
    ("search_too_long", "too_long", "搜索词不能超过 {limit} 个字",
     "The search may have at most {limit} characters"),
    ("search_no_words", "invalid", "搜索词须含文字或数字", "Search for letters or digits"),
    ("unknown_status", "invalid_choice", "未知的状态", "Unknown status"),
    ("unknown_light", "invalid_choice", "未知的灯色", "Unknown light"),
    ("unknown_rating", "invalid_choice", "未知的评价", "Unknown rating"),
    ("dashboard_office_only", "forbidden", "只有市长公开电话办公室可以查看督办总览",
     "Only the office sees the supervision dashboard"),
    ("reports_office_only", "forbidden", "只有市长公开电话办公室可以查看周报",
     "Only the office sees the weekly reports"),
    ("week_format", "invalid", "周次格式应为 2026-W07", "A week is written like 2026-W07"),
    ("week_not_found", "not_found", "没有这一周的周报", "No report for this week"),
    ("record_changed", "concurrent_update", "该记录已被他人修改，请刷新后重试",
     "The record was changed by someone else; reload and retry"),
    # --- consultations (domain/consultations.py, services/topics.py) --------------------------
    ("topic_not_found", "not_found", "没有这个议题", "No such topic"),
    ("survey_not_found", "not_found", "没有这个调查", "No such survey"),
    ("comment_not_found", "not_found", "没有这条留言", "No such comment"),
    ("topic_not_open", "topic_not_open", "该议题将于 {opens} 开始征集", "This topic is not open yet"),
    ("topic_closed", "topic_closed", "该议题已于 {closes} 截止", "This topic is closed"),
    ("topic_open", "topic_open", "议题截止后才能发布反馈",
     "The outcome is published after the topic closes"),
    ("comment_transition", "invalid_transition", "状态为“{status_label}”的留言不能执行该操作",
     "Cannot {action} a comment that is {status}"),
    ("question_already_answered", "already_answered", "该问题已答复",
     "This question was already answered"),
    ("survey_answered_today", "already_answered",
     "您今天已经回答过这份问卷（每个网络每天可答一份），感谢参与",
     "You have already answered this survey today (one response a day from each network); "
     "thank you for taking part"),
    ("survey_answered_times", "already_answered",
     "您所在的网络今天已经回答过这份问卷 {per_day} 次，感谢参与",
     "This survey has already been answered {per_day} times today from your network; "
     "thank you for taking part"),
    ("answers_not_object", "wrong_type", "answers 须为对象", "answers must be an object"),
    ("answers_empty", "empty", "请至少回答一个问题", "Answer at least one question"),
    ("unknown_question", "unknown_question", "没有这个问题", "Unknown question '{question}'"),
    ("question_required", "required", "请回答：{question_text}",
     "Question '{question}' is required"),
    ("choose_one_choice", "invalid_choice", "请选择一个选项",
     "{field} must be one of its choice ids"),
    ("choices_not_list", "wrong_type", "多选题的答案须为选项列表",
     "{field} must be a list of choice ids"),
    ("duplicate_choice", "duplicate_choice", "选项不能重复", "{field} repeats a choice"),
    ("unknown_choice", "invalid_choice", "没有这个选项", "{field} has an unknown choice"),
    ("too_many_choices", "too_many_choices", "最多选 {limit} 项", "{field}: at most {limit} choices"),
    ("answer_not_text", "wrong_type", "答案须为文本", "{field} must be text"),
    ("stance_choice", "invalid_choice", "立场须为 支持 / 反对 / 中立",
     "stance must be support, oppose or neutral"),
    ("no_stance", "no_stance", "访谈提问无需表明立场", "An interview question has no stance"),
    ("no_paragraphs", "no_paragraphs", "只有意见征集可以针对条文发表意见",
     "Only a solicitation has paragraphs"),
    ("paragraph_not_integer", "wrong_type", "条文序号须为整数", "paragraph must be a whole number"),
    ("unknown_paragraph", "unknown_paragraph", "征求意见稿没有第 {paragraph} 条",
     "The draft has no paragraph {paragraph}"),
    ("survey_takes_responses", "wrong_kind", "调查问卷请提交答卷",
     "A survey takes responses, not comments"),
    ("interview_department_choice", "unknown_department", "请选择本次访谈的嘉宾部门",
     "department must be one of the interview's departments"),
    ("department_not_interview", "no_department", "只有在线访谈的提问可以指定部门",
     "Only interview questions name a department"),
    ("comment_status_choice", "invalid_choice", "未知的状态",
     "status must be pending, approved or rejected"),
    ("interview_clerk_only", "forbidden", "承办人只能查看本部门作为嘉宾的访谈提问",
     "Clerks see the questions of their department's interviews only"),
    ("not_an_interview", "not_an_interview", "只有在线访谈的提问可以答复",
     "Only interview questions are answered"),
    ("not_a_guest", "forbidden", "您的部门不是本次访谈的嘉宾",
     "Your department is not a guest of this interview"),
    ("outcome_items_not_list", "wrong_type", "items 须为列表", "items must be a list"),
    ("outcome_too_many_items", "too_long", "最多 {limit} 条", "At most {limit} items"),
    ("outcome_item_not_object", "wrong_type", "每一条须为对象", "{where} must be an object"),
    ("decision_choice", "invalid_choice", "处理结果须为 采纳 / 部分采纳 / 未采纳",
     "decision must be adopted, partly_adopted or not_adopted"),
    ("outcome_opinion_required", "required", "未关联留言的反馈须写明意见内容",
     "{where} needs a comment_id or an opinion"),
    ("unknown_comment", "unknown_comment", "该留言不属于本议题",
     "{where}.comment_id is not a comment of this topic"),
    ("comment_not_approved", "not_approved", "只能对已公开的意见作出反馈",
     "{where}.comment_id is not an approved comment"),
    ("duplicate_comment", "duplicate_comment", "同一条意见重复出现",
     "{where}.comment_id appears twice"),
    # a prefix naming the part of the body an error is about (errors.prefixed): the wrapped
    # error keeps its own code, the prefix's code is never answered
    ("outcome_item_prefix", "invalid", "第 {n} 条：{message}", "{where}: {message_en}"),
    ("duplicate_topic_id", "duplicate_id", "议题 id 重复：{topic}", "Duplicate topic id '{topic}'"),
    ("kind_changed", "kind_changed", "议题 {topic} 已登记为{stored_label}，不能改为{new_label}",
     "Topic '{topic}' is a {stored}; an id keeps its kind"),
    # --- accounts (services/auth.py) ---------------------------------------------------------
    ("login_first", "not_logged_in", "请先登录", "Log in first"),
    ("token_invalid", "not_logged_in", "登录已失效，请重新登录", "Invalid token; log in again"),
    ("token_expired", "token_expired", "登录已过期，请重新登录", "Token expired; log in again"),
    ("token_revoked", "token_revoked", "登录已失效（账号已重置或停用），请重新登录",
     "This session was revoked (the account was reset or disabled); log in again"),
    ("bad_credentials", "bad_credentials", "用户名或密码不正确", "Wrong username or password"),
    ("password_length", "invalid", "密码长度须为 4–200 个字符", "Password must be 4-200 characters"),
    ("username_chars", "invalid", "用户名只能包含字母、数字、- 和 _",
     "Username: letters, digits, - and _ only"),
    ("role_choice", "invalid", "角色须为 clerk、office 或 admin", "role must be clerk, office or admin"),
    ("clerk_needs_department", "invalid", "承办人须属于一个部门", "A clerk needs a department"),
    # --- abuse limits (services/abuse.py, the stores' quotas) --------------------------------
    ("too_many_requests", "too_many_requests", "提交过于频繁，请稍后再试",
     "Too many requests; try again later"),
    ("too_many_submissions", "too_many_requests", "提交过于频繁，请稍后再试",
     "Too many submissions; try again later"),
    ("too_many_tracking_guesses", "too_many_requests", "查询码或密码错误次数过多，请 {minutes} 分钟后再试",
     "Too many wrong tracking codes or secrets; try again in {minutes} min"),
    ("too_many_login_guesses", "too_many_requests", "用户名或密码错误次数过多，请 {minutes} 分钟后再试",
     "Too many wrong usernames or passwords; try again in {minutes} min"),
    ("too_many_letters", "too_many_requests",
     "您所在的网络提交来信过于频繁（每小时最多 {per_hour} 封、每天最多 {per_day} 封），"
     "请 {minutes} 分钟后再试；急事请拨打 12345 热线",
     "Too many letters from your network (at most {per_hour} an hour and {per_day} a day); "
     "try again in {minutes} min, or call the 12345 hotline if it is urgent"),
    ("too_many_votes", "too_many_requests", "投票过于频繁，请稍后再试",
     "Too many votes; try again later"),
    ("too_many_secret_resets", "too_many_requests",
     "申请新密码过于频繁，请 {minutes} 分钟后再试；急事请拨打 12345 热线",
     "Too many requests for a new password; try again in {minutes} min, "
     "or call the 12345 hotline"),
    ("too_many_suggestions", "too_many_requests", "建议请求过于频繁，请稍后再试",
     "Too many suggestion requests; try again later"),
    ("honeypot_refused", "refused", "提交未被接受", "The submission was refused"),
    # --- listed supervision and conduct complaints (domain/oversight.py) -------------------
    ("supervise_answered", "invalid_transition", "已答复或不予受理的来信不能挂牌督办",
     "A letter already answered or not accepted cannot be listed ({status})"),
    ("already_listed", "already_listed", "该来信已挂牌督办", "This letter is already listed"),
    ("supervise_due_past", "invalid_date", "督办期限不能早于今天",
     "The supervision date may not be in the past"),
    ("supervise_due_format", "invalid_date", "督办期限须为日期（YYYY-MM-DD）或留空",
     "due must be a date (YYYY-MM-DD) or null"),
    ("about_required", "required", "效能投诉须写明投诉的部门",
     "A conduct complaint must name the department it is about"),
    ("about_not_object", "wrong_type", "about 须为对象（部门和人员）",
     "about must be an object (department and person)"),
    ("about_other_type", "invalid", "只有效能投诉可以填写被投诉部门",
     "Only a conduct complaint (type efficiency) takes about"),
    ("conduct_no_department", "invalid", "效能投诉由效能监督机构办理，不能指定承办部门",
     "A conduct complaint goes to the supervising office: do not choose a department"),
    ("no_conduct_office", "invalid_transition", "暂无受理效能投诉的机构，请拨打 12345 热线",
     "No office takes conduct complaints yet; call the 12345 hotline"),
    ("conduct_office_only", "conduct_office_only", "效能投诉只能转交效能监督机构办理",
     "A conduct complaint may be dispatched to the supervising office only"),
]

MESSAGES: dict[str, Message] = {key: Message(code, zh, en) for key, code, zh, en in _TABLE}


def message(key: str, **params: Any) -> tuple[str, str, str]:
    """(code, zh, en) of the message `key` with its placeholders filled; KeyError if unknown."""
    entry = MESSAGES[key]
    zh, en = entry.render(params)
    return entry.code, zh, en
