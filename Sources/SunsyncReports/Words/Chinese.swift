import SunsyncModel

/// 中文（默认）。用语取自政策原文：非全日制、工时、午餐补贴、合同期、政策不重复享受。
public struct Chinese: Words {
    public init() {}

    public func problem(_ problem: ModelError.Problem) -> String {
        switch problem {
        case .idLength(let shown, let count): "居民身份证号 \(shown) 有 \(count) 位；应为 18 位"
        case .idNotDigit(let shown, let position, let character): "居民身份证号 \(shown)：第 \(position) 位是“\(character)”；前 17 位必须是数字"
        case .idBirthDate(let shown, let birth): "居民身份证号 \(shown)：出生日期 \(birth)（第 7-14 位）不是有效日期"
        case .idCheck(let shown, let given, let expected): "居民身份证号 \(shown)：校验码是“\(given)”，但按前 17 位应为“\(expected)”；请对照证件重新核对号码"
        case .certLength(let shown, let count): "残疾人证号 \(shown) 有 \(count) 位；应为 20 位（18 位身份证号、类别、等级），换证的末尾可有 B1、B2……"
        case .inCertificate(let shown, let inner): "残疾人证号 \(shown)：" + self.problem(inner)
        case .certCategory(let shown, let character): "残疾人证号 \(shown)：类别（第 19 位）是“\(character)”；应为 1-7（1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重）"
        case .certLevel(let shown, let character): "残疾人证号 \(shown)：等级（第 20 位）是“\(character)”；应为 1-4"
        case .certSuffix(let shown, let suffix): "残疾人证号 \(shown)：等级之后的“\(suffix)”不是换证后缀（B1、B2……）"
        case .textControl(let kind, let scalar, let position, let multiline):
            "文字的第 \(position) 个字符是\(kind == .escape ? "转义字符（ESC）" : kind == .bidirectional ? "双向文字控制符" : "控制字符")（\(scalar)）；"
                + (multiline ? "备注中只能有制表符和换行" : "这里只能是一行可打印的文字")
        case .textTooLong(let characters, _): "文字有 \(characters) 个字符，太长了：最多 \(Schema.maxTextLength) 个字符"
        case .emptyName: "姓名不能为空"
        case .emptyPurpose: "显示完整证号须说明用途，不能为空"
        case .notOneOf(let value, let allowed): "“\(value)”不是以下之一：" + allowed.joined(separator: "、")
        case .minutesInDay(let value): "一天不可能有 \(value) 分钟：请给 0 到 1440 分钟（24 小时）"
        case .fenAmount(let value): "金额 \(value) 分不允许：金额是 0 到 100000000 分（100 万元）之间的整数"
        case .inField(_, let name, let inner): "\(field(name))：" + self.problem(inner)
        }
    }

    public func refusal(_ code: String) -> String? {
        switch code {
        case "forbidden": "本设备无权写这项内容"
        case "clock_ahead": "本机时钟超前：这条修改的时间晚于服务器的时间"
        case "op_id_reused": "修改编号已被别的修改用过"
        case "replica_taken": "本机编号属于另一台设备"
        case "unknown_participant": "这位参与者没有在该机构登记"
        case "incomplete_record": "参与者登记不完整（姓名、残疾人证号、合同类型和合同开始日期要一起登记）"
        case "org_inactive": "该机构已被区里撤销，不再接收新记录"
        case "invalid_certificate": "残疾人证号无效"
        case "invalid_resident_id": "身份证号无效"
        case "invalid_date": "日期无效"
        case "invalid_minutes": "工时不可能（一天 0 到 24 小时）"
        case "invalid_money": "金额无效"
        case "invalid_value": "取值无效"
        case "invalid_text": "文字含有控制字符或过长"
        case "invalid_record_id": "记录编号无效（或残疾人证号属于另一位参与者）"
        case "unknown_field": "字段未知（服务器版本较旧？）"
        case "wrong_type": "取值类型不对"
        case "missing_field": "缺少必填字段"
        default: nil
        }
    }

    public func skip(_ skip: ReviewSkip) -> String {
        switch skip {
        case .deleted: "基地已删除这条记录，无需审核"
        case .inConflict: "记录内容有冲突：请基地先解决"
        case .already(let verdict): verdict == .approved ? "已经是审核通过" : "已经是已退回"
        case .changedSinceShown: "页面显示之后基地修改了这条记录，请重新查看"
        case .noHoursThatDay: "当天没有工时记录的午餐不能审核通过（午餐补贴随当天工时发放）"
        case .hoursRejected: "当天的工时已被退回：请先通过工时，或把午餐也退回"
        }
    }

    public func field(_ name: String) -> String {
        switch name {
        case "name": "姓名"
        case "cert": "残疾人证号"
        case "contract": "合同类型"
        case "contract_start": "合同开始日期"
        case "contract_end": "合同结束日期"
        case "active": "在册"
        case "minutes": "工时"
        case "amount": "金额"
        case "project": "劳动项目"
        case "note": "备注"
        case "deleted": "删除"
        case "review": "审核"
        case "review_note": "审核意见"
        case "kind": "类型"
        case "district": "所属区"
        case "town": "街镇"
        case "lunch_rate": "午餐补贴标准"
        case "lunch_rate_from": "标准起始日期"
        default: name
        }
    }

    public func flag(_ reason: Flag.Reason) -> String {
        switch reason {
        case .conflict(let fields):
            "几台设备同时修改了\(list(fields.map(field)))，取值不一致：请选定一个值"
        case .notRegisteredWhole(let name, let missing):
            "\(name) 登记不完整：缺少\(list(missing.map(field)))"
        case .daysOfPartialRecord(let name, let missing, let days):
            "\(name) 登记不完整（缺少\(list(missing.map(field)))）：\(self.days(days))"
        case .daysOfUnregistered(let participant, let org, let days):
            "\(org) 没有登记参与者 \(participant)：\(self.days(days))"
        case .weeklyOverLimit(let name, let minutes, let week, let limit):
            "\(name)：\(week) 起的一周工时 \(Quantity.hours(minutes)) 小时，超过非全日制每周 \(Quantity.hours(limit)) 小时的上限"
        case .lunchWithoutHours(let date):
            "\(date) 有午餐补贴，但当天没有工时"
        case .lunchAboveRate(let fen, let date, let org, let rate):
            "\(date) 午餐补贴 \(Quantity.yuan(fen)) 元，高于 \(org) 当日的标准 \(Quantity.yuan(rate)) 元"
        case .futureDate(let today, let days):
            "日期晚于今天（\(today)）：\(self.days(days))"
        case .outsideContract(let start, let end, let days):
            "合同期（\(start?.description ?? "…") 至 \(end?.description ?? "…")）以外的工时：\(self.days(days))"
        case .outsideWorkingAge(let minimum, let maximum, let male, let born, let days):
            "超出劳动年龄（\(minimum) 至 \(age(maximum))，\(born) 出生的\(male == true ? "男性" : "女性")）的工时：\(self.days(days))"
        case .lunchAtSeveralOrgs(let date, let orgs):
            "同一人 \(date) 在 \(list(orgs)) 都申领了午餐补贴（政策不重复享受）"
        case .hoursAtSeveralOrgs(let date, let orgs):
            "同一人 \(date) 在 \(list(orgs)) 都记有工时"
        case .activeAtSeveralOrgs(let orgs):
            "同一人在 \(list(orgs)) 同时在册，合同期重叠"
        }
    }

    public var overview: String {
        """
        不需要网络也能用：记录保存在本机 --home 下的本地数据里，已加密；口令每个工作时段只问一次（`sunsync lock` 立即锁上）。
        与区里的服务器一起用：先 `sunsync login --server <地址> --token <令牌>`；单机离线：`sunsync init --org <机构代码>`。
        然后用 `sunsync participant add` 登记参与者，用 `sunsync hours set` 和 `sunsync lunch set` 记录每天的工时和午餐。
        列表类命令加 --json 输出给脚本；残疾人证号默认遮蔽，只有获准的笔记本加 --reveal --purpose 才显示（并留下记录）。
        要看英文：--lang en，或 LANG=en_US.UTF-8。
        """
    }

    public func help(_ help: Help) -> String {
        switch help {
        case .home: "本地数据所在的文件夹（默认：$SUNSYNC_HOME，否则 $XDG_DATA_HOME/sunsync）。"
        case .json: "输出一个 JSON 文档（键名稳定、snake_case），而不是表格。"
        case .reveal: "显示完整的残疾人证号和身份证号，而不是遮蔽的（310112**********3X**：类别和等级也遮蔽）。只在管理员允许的笔记本上可用；需要 --purpose，并会留下记录。"
        case .purpose: "为什么需要完整证号（与 --reveal 一起用；随显示记录保存，区里能看到）。"
        case .passphraseFile: "从这个文件的第一行读取口令（否则用 $SUNSYNC_PASSPHRASE，否则每个工作时段询问一次）。"
        case .wide: "表格显示全部列，表头中英文并列（默认适应终端宽度：80 列）。"
        case .lang: "提示信息的语言：zh（默认）或 en（也可用 LANG=en_… 选择）。"
        case .anyway: "即使日期在未来、在合同期外或参与者已不在册，也照样记录（需要 --reason；审核人员会看到提示）。"
        case .reason: "与 --anyway 一起用：为什么仍然无误（作为当天的备注保存）。"
        case .who: "参与者：残疾人证号、身份证号，或不会重名的姓名。"
        case .day: "日期：YYYY-MM-DD、today（今天）或 yesterday（昨天）。"
        case .onlyMonth: "只列这个月。"
        case .onlyParticipant: "只列这位参与者（残疾人证号、身份证号或姓名）。"
        case .includeDeleted: "包括已删除的记录。"
        case .hoursWorked: "工时：3.5、3h30m 或 210m。"
        case .project: "劳动项目。"
        case .note: "备注。"
        case .amount: "金额（元）：15、15.50 或 ¥15。"
        case .contract: "part-time（非全日制）或 full-time（全日制）。"
        case .contractStart: "合同开始日期。"
        case .contractEnd: "合同结束日期。"
        case .name: "参与者的姓名。"
        case .cert: "残疾人证号：20 位，换证的末尾可有 B1、B2……"
        case .allParticipants: "包括已不在册的参与者。"
        case .participantRef: "残疾人证号、身份证号，或不会重名的姓名。"
        case .newName: "新的姓名。"
        case .newCert: "新的残疾人证号（同一个人：类别、等级或 B1 换证后缀可以变）。"
        case .server: "服务器地址，例如 https://sync.example.org"
        case .token: "设备令牌（以 sst_ 开头）。"
        case .insecureHTTP: "允许用 http:// 连接另一台机器：令牌和记录会明文经过网络。"
        case .ca: "区里的证书机构（`sunsync-server tls init` 生成的 ca.pem）：保存在数据文件夹里，只信任它来连接这台服务器。"
        case .backupToRestore: "要恢复的备份。"
        case .backupFile: "要写入的新文件（从不覆盖已有文件）。"
        case .conflictRef: "`sunsync conflicts` 显示的冲突编号。"
        case .keepValue: "要保留的取值（照显示的写），或它的修改编号。"
        case .flagsMonth: "只列与这个月有关的提示（也包括与它有关、没有日期的：参与者的冲突、重叠的合同）。"
        case .flagsOrg: "只列这个机构的提示（审核人员的笔记本）。"
        case .onlyDay: "只看这一天。"
        case .lunchRate: "每天的午餐费补贴标准（元）；`lunch set` 没有 --amount 时使用。"
        case .orgCode: "机构代码，与区残联登记的一致（A-Z、0-9、'-'）。"
        case .orgName: "机构名称，显示在报表里。"
        case .reportOrgReviewer: "只看这个机构（审核人员的笔记本）。"
        case .onlyOrg: "只看这个机构。"
        case .theMonth: "月份。"
        case .sheetOrg: "机构（在有多个机构的审核人员笔记本上）。"
        case .outputFile: "写入这个文件，而不是标准输出。"
        case .reportFormat: "table、csv 或 json（--json 等同于 --format json）。"
        case .decisionNote: "随审核结果保存的备注。"
        case .wholeOrgMonth: "这个机构这个月所有待审核的记录（与 --month 一起用）。"
        case .flaggedOnly: "只列有提示或冲突的记录。"
        case .recordIDs: "`review list` 显示的记录编号。"
        case .monthWithOrg: "月份，与 --org 一起用。"
        case .recordID: "`review list` 显示的记录编号。"
        case .rejectReason: "退回理由：基地会在记录旁看到。"
        case .unflagged: "与 --org 和 --month 一起用：跳过有提示或冲突的记录。"
        case .reviewStatus: "needs-review（待审核）、approved（已通过）或 rejected（已退回）。"
        case .exportMonth: "只导出这个月（工时和午餐）。"
        case .template: "打印这种表格的空白模板，而不是导入。"
        case .csvFile: "CSV 文件。"
        case .importKind: "文件里是什么：participants（参与者）、hours（工时）或 lunches（午餐）。"
        case .exportFormat: "csv 或 json。"
        case .exportKind: "participants（参与者）、hours（工时）或 lunches（午餐）。"
        }
    }

    public func abstract(_ command: Command) -> String {
        switch command {
        case .sunsync: "离线记录阳光基地等的工时和午餐费补贴，同步给区残联审核。"
        case .initialize: "单机建立一个机构（阳光基地或扶残涉农经济组织）的本地数据；与服务器一起用时请用 login。"
        case .participant: "登记和管理援助对象（参与者）。"
        case .participantAdd: "登记一位参与者。"
        case .participantList: "列出参与者（默认只列在册的，--all 列出全部）。"
        case .participantShow: "查看一位参与者及其最近几个月的记录。"
        case .participantEdit: "修改参与者的姓名、残疾人证（重新评定或换证）或合同。"
        case .participantDeactivate: "把参与者标记为不在册（已有记录保留）。"
        case .participantActivate: "把不在册的参与者重新标记为在册。"
        case .hours: "记录工时，每位参与者每天一条。"
        case .hoursSet: "记录（或改正）一位参与者某一天的工时。"
        case .hoursClear: "删除某一天的工时（历史中保留；再次记录即可恢复）。"
        case .hoursList: "列出已记录的工时。"
        case .lunch: "记录午餐费补贴，每位参与者每天最多一条。"
        case .lunchSet: "记录一位参与者某一天的午餐费补贴。"
        case .lunchClear: "删除某一天的午餐费补贴（历史中保留）。"
        case .lunchList: "列出已记录的午餐费补贴。"
        case .importSheet: "导入表格（CSV）：参与者、工时或午餐费补贴。要么全部导入，要么一行也不导入。"
        case .exportSheet: "把参与者、工时或午餐费补贴导出为 CSV（可用 Excel 打开）或 JSON。"
        case .report: "月报和补贴发放表。"
        case .reportMonthly: "按参与者汇总一个月：出勤天数、工时、午餐、审核进度、未解决的冲突和提示。"
        case .reportPayments: "一个月应发放的补贴：按机构和参与者列出已审核通过的工时和午餐。"
        case .reportSheet: "打印供签字的机构月度考勤表（A4 横向网页）。"
        case .review: "审核工时和午餐：列出、查看、通过、退回。在审核人员的笔记本上使用，离线也可以。"
        case .reviewList: "列出工时和午餐记录及其审核状态、提示和冲突，每条一行。"
        case .reviewShow: "查看一条记录：内容、提示、冲突、审核意见和完整历史。"
        case .reviewApprove: "审核通过：按编号，或某机构某月所有待审核的记录。"
        case .reviewReject: "退回记录，并写明基地会看到的理由（已退回）。"
        case .conflicts: "列出几台设备同时修改、取值不一致的字段（冲突）。"
        case .resolve: "保留其中一个取值来解决冲突。"
        case .history: "一位参与者记录的每一次修改：何时、哪台设备、旧值 → 新值（审计记录）。"
        case .flags: "审核人员会问到的问题：超出非全日制每周工时、无工时的午餐、冲突、合同期外的日期……"
        case .status: "本机状况：机构、记录数、等待同步的修改、加密情况。"
        case .login: "用管理员给的令牌把本机连接到区里的同步服务器。"
        case .sync: "把本机的修改发给服务器，并收取其他设备的修改。"
        case .rejected: "服务器拒收的修改及其理由。它们保留在本机，不会再次发出。"
        case .verify: "用写入设备的签名核对本机保存的每一条修改。"
        case .backup: "把本地数据（包括尚未同步的修改）复制到一个新文件（U 盘、送修之前）。"
        case .restore: "用 `sunsync backup` 做的备份替换本地数据。"
        case .lock: "锁上本机数据：下一个命令会再次询问口令。"
        case .unlock: "为一个工作日解锁本机数据：只问一次口令（10 小时，或到 `sunsync lock` 为止）。"
        case .passphrase: "更改打开本机数据的口令。"
        }
    }

    public func say(_ message: Message) -> String {
        switch message {
        case .error(let text): "错误：" + text
        case .hoursRecorded(let who, let date, let hours, let unchanged): "\(who) \(date)：\(hours) 小时\(unchanged ? "（未变）" : "")"
        case .lunchRecorded(let who, let date, let yuan, let unchanged): "\(who) \(date)：午餐补贴 \(yuan) 元\(unchanged ? "（未变）" : "")"
        case .dayCleared(let day, let who, let date):
            "已删除 \(who) \(date) 的\(noun(day))（历史中保留；再次 `\(day == .hours ? "hours" : "lunch") set` 即可恢复）"
        case .nothingToClear(let day, let name, let date): "\(name) \(date) 没有记录\(noun(day))，无需删除"
        case .daysTotal(let day, let count, let total, let rejected):
            "共 \(count) 天，合计 \(total) \(day == .hours ? "小时" : "元")" + (rejected > 0 ? "；\(rejected) 天已退回（看退回理由，改正后会重新待审核）" : "")
        case .noDays(let day, let month): "\(month.map { $0 + " " } ?? "")还没有记录\(noun(day))。"
        case .afterToday(let date, let today): "\(date) 晚于今天（\(today)）"
        case .noLongerActive(let name): "\(name) 已标记为不在册（回来了就用 `sunsync participant activate`）"
        case .outsideContract(let date, let name, let start, let end):
            "\(date) 不在 \(name) 的合同期内（\(start?.description ?? "…") 至 \(end?.description ?? "…")）"
        case .notRecorded(let doubts): "没有记录：" + doubts.joined(separator: "；") + "。如果确实无误，加上 --anyway --reason \"…\"（审核人员会看到提示）。"
        case .anywayNeedsReason(let doubts): "--anyway 需要 --reason \"…\"：写明为什么无误，供审核人员查看（" + doubts.joined(separator: "；") + "）"
        case .anywayNotNeeded: "--anyway 只用于会被拒绝的记录；这一条不会被拒绝，请去掉它"
        case .notRegisteredWhole(let name, let missing):
            "\(name) 登记不完整：缺少\(missing.map(option).joined(separator: "、"))。服务器不接收这样的参与者的记录，也不会发放补贴；"
                + "请先补全登记：sunsync participant edit \(name) --start YYYY-MM-DD"
        case .lunchRateUnknown: "请给出 --amount：还不知道本机构的午餐补贴标准（用 `sunsync init --lunch-rate` 设置，或先同步）"
        case .notADate(let text, let forms, let words): "“\(text)”不是有效日期：请写成 \(or(forms))\(words ? "（或 today 今天、yesterday 昨天）" : "")"
        case .notAMonth(let text): "“\(text)”不是月份：请写成 YYYY-MM，例如 2024-03（或 2024-3）"
        case .notHours(let text, let forms): "无法把“\(text)”读作工时：请写 \(or(forms))"
        case .zeroHours: "0 小时不算工作日：要删除某天的工时，用 `sunsync hours clear <姓名> <日期>`"
        case .tooManyHours(let text): "一天不可能有 \(text) 小时（最多 24 小时），请检查"
        case .notYuan(let text, let forms): "无法把“\(text)”读作金额（元）：请写 \(or(forms))"
        case .negativeYuan(let text): "金额不能为负数（\(text) 元）"
        case .noParticipant(let text, let org, let near):
            "\(org.map { $0 + " " } ?? "")没有叫“\(text)”或证号为“\(text)”的参与者"
                + (near.isEmpty ? "；" : "；是不是 \(near.map { "“\($0)”" }.joined(separator: "或"))？")
                + "`sunsync participant list` 列出已登记的人"
        case .sameName(let count, let name, let numbers): "有 \(count) 位参与者叫 \(name)（\(numbers)）：请改用残疾人证号"
        case .maskedMatchesSeveral(let text, let count): "\(text) 对应 \(count) 位参与者：请给出完整的残疾人证号"
        case .noMaskedMatch(let text): "没有参与者的残疾人证号像 \(text)"
        case .registeredAtSeveral(let ref, let orgs): "\(ref) 在 \(orgs.joined(separator: "、")) 都有登记：请给出参与者编号（机构代码/…）"
        case .noCertificate(let ref, let org): "\(org.map { $0 + " " } ?? "")没有残疾人证号为 \(ref) 的参与者；用 `sunsync participant add` 登记"
        case .keysOfAnotherStore(let store, let keys): "\(store) 用 \(keys) 里的密钥打不开：密钥文件属于另一份数据（请从同一份备份恢复两者）"
        case .alreadyInitialized(let home): "\(home) 已经建立过本地数据；另一个机构请用另一个 --home"
        case .keysMissing(let store, let keys): "本机打不开 \(store)：它是加密的数据，但缺少密钥文件 \(keys)（把原来放在它旁边的 store.keys 放回去；备份文件 FILE 旁边有 FILE.keys），或者它根本不是 Sunsync 数据"
        case .cannotEncrypt(let store, let reason): "无法加密 \(store)：\(reason)。数据保持原样"
        case .mayNotReveal(let device): "本机不允许显示完整的残疾人证号（--reveal）：由区里的管理员按设备允许，命令是 `sunsync-server device edit \(device ?? "<本机设备名>") --may-reveal`；下次 `sunsync sync`（或 `sunsync login`）时本机会得到许可。" + (device == nil ? "这个数据文件夹是 `sunsync init` 建立的，从未登录过服务器：请先 `sunsync login`。" : "")
        case .revealNeedsPurpose: "--reveal 需要 --purpose：写明为什么需要完整证号（会被记录，区里能看到），例如 --purpose 核对残疾人证"
        case .cannotRecordReveal(let reason): "无法记录这次显示，所以什么也不显示：\(reason)"
        case .reviewersLaptop(let district): "这是审核人员的笔记本（\(Districts.names[district] ?? "区")，\(district)）；记录要在基地的笔记本上录入"
        case .notAReviewer(let org): "审核在区残联的笔记本上进行；本机为 \(org) 录入记录，服务器不接收基地工作人员写的审核意见。`sunsync hours list` 可以看到审核结果"
        case .orgRetired(let org, let name): "\(org)\(name.map { "（\($0)）" } ?? "") 已被区里撤销，不再接收新记录。如果它仍在运作，请区里的管理员运行 `sunsync-server org activate \(org)`，然后 `sunsync sync`"
        case .lockedNoTerminal: "本机数据已锁上，而且没有终端可以询问口令：请先运行 `sunsync unlock`，或用 SUNSYNC_PASSPHRASE 或 --passphrase-file 给出口令"
        case .passphrasesDiffer: "两次输入的口令不一样；什么也没有改。请重新运行命令"
        case .passphraseTooShort(let minimum): "口令至少要 \(minimum) 个字符（一个汉字算一个）；什么也没有改"
        case .cannotReadPassphraseFile(let file): "无法读取口令文件 \(file)"
        case .longList: "列表很长：用 --org 机构代码、--month YYYY-MM、--flagged 或 --status needs-review 缩小范围（`sunsync report monthly --month M` 可以看出先看哪里）。"
        case .notARecordID(let id): "“\(id)”不是记录编号：请用 `sunsync review list` 显示的编号，例如 h20240304-3fa9c0d1"
        case .decided(let approved, let count): "\(approved ? "审核通过" : "退回") \(count) 条记录。" + (count == 0 ? "" : "下次 `sunsync sync` 时送达各基地。")
        case .skipped(let n): "跳过 \(n) 条："
        case .nothingDecided(let approved): "没有任何记录被\(approved ? "审核通过" : "退回")：要求的每条记录都因上面的理由被跳过"
        case .notAContract(let text): "--contract “\(text)”：请用 part-time（非全日制）或 full-time（全日制）"
        case .contractEndsBeforeStart(let end, let start): "合同结束日期（\(end)）早于开始日期（\(start)）"
        case .noConflict(let ref): "没有未解决的冲突“\(ref)”；`sunsync conflicts` 列出所有冲突"
        case .notOneOfTheValues(let keep, let values): "“\(keep)”不是其中的取值：\(values.joined(separator: "、"))"
        case .conflictChanged: "解决时冲突发生了变化；请再运行 `sunsync conflicts`"
        case .kept(let value, let name, let date, let field): "已为 \(name) \(date) 的\(self.field(field))保留 \(value)"
        case .nothingToLock(let home): "\(home) 里没有加密的数据（没有 store.keys）：无需锁上"
        case .noKeyring: "口令正确，但这台机器的内核密钥环不可用（在容器里？）：每个 sunsync 命令都会再问口令（或读取 SUNSYNC_PASSPHRASE / --passphrase-file）。"
        case .encryptedNow: "数据现在已用刚才设置的口令加密。"
        case .cannotWrite(let file): "无法写入 \(file)：请检查它所在的文件夹存在并且可写"
        case .notText: "这个文件既不是 UTF-8 也不是 GB18030/GBK 文本；请在 Excel 里另存为“CSV UTF-8”"
        case .cannotCreate(let dir, let reason): "无法建立 \(dir)：\(reason)"
        case .cannotRead(let file, let reason): "无法读取 \(file)：\(reason)"
        case .badRows(let file, let rows):
            "\(file)：有 \(rows.count) 行有问题；什么也没有导入。请改正后重新导入：\n" + rows.prefix(200).map { "  第 \($0.line) 行：\($0.message)" }.joined(separator: "\n")
                + (rows.count > 200 ? "\n  ……还有 \(rows.count - 200) 行" : "")
        case .imported(let rows, let kind, let file, let changes): "已从 \(file) 导入 \(rows) 行\(kind == "participants" ? "参与者" : kind == "hours" ? "工时" : "午餐补贴")（\(changes) 条修改）"
        case .emptyFile(let kind): "文件是空的；`sunsync import --template \(kind)` 显示需要哪些列"
        case .missingColumns(let missing, let expected): "表头（第 1 行）缺少这些列：\(missing.joined(separator: "、"))；应有的列例如：\(expected.joined(separator: ","))"
        case .needsWhoColumn: "表头需要“姓名”或“残疾人证号”列，才知道每行是谁"
        case .samePersonAsLine(let line): "与第 \(line) 行是同一个人"
        case .noDate: "没有日期"
        case .dayOnLine(let name, let date, let line): "\(name) \(date) 已经出现在第 \(line) 行"
        case .noName: "没有姓名"
        case .noCertificateNumber: "没有残疾人证号"
        case .maskedCertificate(let text): "残疾人证号是遮蔽的（\(text)）；要重新导入参与者，请用 --reveal 导出"
        case .notAContractCell(let text): "合同“\(text)”：请用 part-time（非全日制）或 full-time（全日制）"
        case .noHours: "没有工时"
        case .impossibleHours(let hours): "一天不可能有 \(hours) 小时（0 到 24 小时）"
        case .noAmount: "没有金额，也不知道本机构的午餐补贴标准"
        case .textTooLong(let count, let maximum): "文字有 \(count) 个字，超过了 \(maximum) 个字的上限"
        case .cannotWriteBecause(let file, let reason): "无法写入 \(file)：\(reason)"
        case .backupExists(let file): "\(file).keys 已经存在；备份从不覆盖文件：请换一个文件名"
        case .backedUp(let changes, let pending, let file, let kib): "已把 \(changes) 条修改（其中 \(pending) 条尚未同步）备份到 \(file)（\(kib) KiB，已加密），密钥在 \(file).keys。"
        case .noSuchFile(let file): "\(file) 不存在"
        case .isAFolder(let file): "\(file) 是文件夹；请给出备份文件"
        case .restoredPlain(let file, let home, let aside): "已把 \(file)（加密之前做的备份）恢复到 \(home)；数据现已加密。" + (aside.map { "被替换的数据在 \($0)。" } ?? "")
        case .syncAfterRestore: "运行 `sunsync sync`，取回本机在备份之后发出的记录。"
        case .backupKeysMissing(let file): "缺少 \(file).keys：备份只能用 `sunsync backup` 在它旁边写的密钥文件打开"
        case .restored(let file, let home, let aside): "已把 \(file) 恢复到 \(home)。" + (aside.map { "被替换的数据在 \($0)。" } ?? "")
        case .notLinked: "本机还没有连接服务器：请运行 `sunsync login --server 地址 --token 令牌`（令牌由管理员提供）"
        case .notAServerAddress(let server): "“\(server)”不是服务器地址：请写成 https://sync.example.org 或 http://127.0.0.1:8080 这样"
        case .plainHTTP(let server): "\(server) 是通往另一台机器的明文 HTTP：令牌和每个残疾人证号都会明文经过网络。请用 https://（向管理员要服务器的 HTTPS 地址），或者加 --insecure-http 坚持这样做"
        case .caNeedsHTTPS(let server): "--ca 用于 https:// 服务器；\(server) 是明文 HTTP"
        case .notAPEM(let file): "\(file) 不是 PEM 格式的证书（应是 `sunsync-server tls init` 写的 ca.pem）"
        case .loginFailed(let reason, let certificate): "登录失败：\(reason)" + (certificate ? "。区里的服务器用自己的证书机构时，请用 --ca 给出它的 ca.pem" : "")
        case .tokenForAnotherOrg(let token, let laptop): "令牌属于 \(token)，但本机为 \(laptop ?? "区里") 录入；请用本机所属机构的令牌"
        case .tokenForAnotherDistrict(let district, let org): "这是区 \(district) 审核人员的令牌；这个数据文件夹\(org.map { "属于基地（\($0)）" } ?? "属于另一个区")"
        case .noKeyList: "本机还没有签名密钥列表：请先运行 `sunsync sync`"
        case .verified(let signed, let batches, let unsigned): "\(batches) 批中的全部 \(signed) 条签名修改都核对无误。" + (unsigned > 0 ? "另有 \(unsigned) 条修改在签名开始之前收到、在升级人员编号时重写，或正等待发出，没有签名。" : "")
        case .failVerification(let n): "\(n) 条修改核对不通过"
        case .storeTampered(let n): "\(n) 条修改核对不通过：本机数据在 sunsync 之外被改动过；请从备份恢复（`sunsync restore`），或新建数据文件夹后重新 `sunsync login`"
        case .choosePassphrase: "本机的记录加密保存。请设置一个打开它们的口令；每个工作时段输入一次。"
        case .encryptingNow: "本机数据还没有加密（由早期版本的 sunsync 建立）：现在加密，仅此一次。请设置一个打开它的口令。"
        case .chooseNewPassphrase: "请设置新的口令（脚本用 SUNSYNC_NEW_PASSPHRASE）。"
        case .noTerminalForPassphrase(let why): "\(why)没有终端可以询问：请用 SUNSYNC_PASSPHRASE 或 --passphrase-file 给出"
        case .giveOrg(let orgs): "请给出 --org：本机有 \(orgs.count) 个机构（\(orgs.prefix(8).joined(separator: "、"))）"
        case .otherOrg(let scope, let org): "本机只为 \(scope) 录入；--org \(org) 是另一个机构"
        case .noSuchOrg(let org, let held): "本机没有机构 \(org)；本机有 \(held.joined(separator: "、"))（同步以收到新机构）"
        case .upgrading(let path): "正在把 \(path) 的数据升级到这个版本的 sunsync（仅此一次）…"
        case .encrypting(let path): "正在加密 \(path) 的数据（仅此一次；期间不要使用它）…"
        case .encryptedIn(let kib, let time): "已加密 \(kib) KiB，用时 \(time)。"
        case .noOrganization: "本地数据没有所属机构；它不是 `sunsync init` 或 `sunsync login` 建立的"
        case .sheetWritten(let n): "共 \(n) 位参与者；请用 A4 横向打印。"
        case .wrote(let file): "已写入 \(file)"
        case .keyNotRegistered(let reason): "注意：本机的签名密钥还没有登记（\(reason)）；`sunsync sync` 会再试。"
        case .notACommand(let typed, let near, let commands): "“\(typed)”不是 sunsync 的命令。" + (near.map { "是不是 `sunsync \($0)`？" } ?? "") + "`sunsync --help` 列出所有命令：" + commands.joined(separator: "、") + "。"
        case .readsAsOption(let argument, let after): "\(after) 后面的“\(argument)”会被当作选项：请写成 \(after)=\(argument)"
        case .negativeNumber(let argument): "“\(argument)”是负数：工时、午餐金额和标准都不能小于 0。要去掉某天的工时或午餐，请用 `sunsync hours clear` 或 `sunsync lunch clear`。"
        case .serverRefused(let detail, let code): "服务器拒绝：\(detail)（\(code)）"
        case .serverBusy(let detail, let code, let seconds): "服务器现在无法接收：\(detail)（\(code)）；它要求 \(seconds) 秒后再试"
        case .cannotReach(let message): "连不上服务器：\(message)"
        case .untrustedChanges(let message): "服务器发来的修改签名验证不通过：\(message)。这些修改一条也没有采用；服务器的数据库可能被改动过：请告诉管理员（`sunsync-server verify` 会列出每一条这样的修改）"
        case .netSilent(let at, let seconds): "\(at) 的服务器接受了连接，但 \(seconds) 秒内什么也没发来（可能是需要网页登录的 Wi-Fi、失去上游的热点，或服务器过载）"
        case .netClosedEarly(let at): "\(at) 的服务器没答复完就断开了连接"
        case .netClosedWithoutAnswer(let at, let tls): "\(at) 的服务器没有答复就断开了连接" + (tls ? "" : "：如果它用 HTTPS，地址请用 https://")
        case .netNoAnswer(let at, let seconds): "\(at) 在 \(seconds) 秒内没有应答：请检查网络（Wi-Fi、热点）和服务器地址"
        case .netNoDNS(let host): "找不到服务器“\(host)”（DNS）：请检查地址，以及本机是否联网"
        case .netRefused(let host, let port): "\(host) 拒绝了端口 \(port) 上的连接：那里没有 Sunsync 服务器在监听（服务器在运行吗？端口对吗？）"
        case .netNoRoute(let host): "没有通往 \(host) 的路由：本机所在的网络到不了服务器"
        case .netNotHTTPS(let at): "\(at) 的服务器不用 HTTPS：地址请用 http://（`sunsync login --server http://…`），或在服务器上开启 TLS"
        case .netUntrustedCertificate: "本机不信任服务器的证书（自签名、已过期或属于别的名字）：请安装它的证书机构，或检查地址"
        case .netTLSFailed(let at, let reason): "与 \(at) 的安全连接（TLS）失败：\(reason)"
        case .netNotPlainHTTP(let at): "\(at) 的服务器不用明文 HTTP（是 HTTPS 服务器？）：地址请用 https://"
        case .netFailed(let at, let reason): "与 \(at) 的连接失败：\(reason)"
        case .noFlags(let month): "\(month.map { $0 + " " } ?? "")没有提示。"
        case .nothingToList(let month, let org): "\(org.map { $0 + " " } ?? "")\(month.map { $0 + " " } ?? "")没有可列出的记录。"
        case .noChanges: "没有修改记录。"
        case .noConflicts: "没有冲突。"
        case .noRefused: "没有被拒收的修改。"
        case .noParticipants: "还没有参与者：用 `sunsync participant add --name … --cert … --start YYYY-MM-DD` 登记"
        case .wrongPassphrase: "口令不对：本机数据用它打不开（请再试一次；如果忘了口令，区里的管理员可以恢复数据）"
        case .storeInUse: "本机数据正被另一个 sunsync 命令使用；等它结束后再试"
        case .diskFull: "存放数据的磁盘满了：这次修改一点也没有写入；请腾出空间后再做一次"
        case .storeReadOnly: "无法写入数据文件：这次修改一点也没有写入；请检查文件和所在文件夹是否可写（权限、只读磁盘），再做一次"
        case .locked(let home, let already): already ? "\(home) 本来就是锁定的。" : "已锁定 \(home)：下一个 sunsync 命令会询问口令。"
        case .participantChanged(let who, let fields): fields.isEmpty ? "没有变化：\(who) 已是这些值" : "已更新 \(who)：\(fields.map(field).joined(separator: "、"))"
        case .idsOrOrgMonth: "请给出记录编号，或用 --org <机构代码> --month YYYY-MM 指定一个机构的一个月"
        case .idsOrOrgMonthNotBoth: "记录编号和 --org/--month 只能给一种"
        case .rejectNeedsReason: "--reason 不能为空：基地需要知道要更正什么"
        case .rejectNeedsIds: "请给出要退回的记录编号（`sunsync review list` 列出的）"
        case .notAnOrgCode(let code): "“\(code)”不是机构代码：只能用 A-Z、0-9 和“-”，例如 MH-SB-001"
        case .lunchRateNotYuan(let text): "--lunch-rate“\(text)”不是以元计的金额，例如 15 或 15.50"
        case .giveFileOrTemplate: "请给出要导入的 CSV 文件，或 --template <种类>"
        case .giveImportKind: "请说明文件内容：--kind participants（参与者）、hours（工时）或 lunches（午餐）"
        case .langTakes(let lang): "--lang 只能是 zh 或 en，不是“\(lang)”"
        case .purposeWithReveal: "--purpose 要与 --reveal 一起用（说明为什么显示完整证号）"
        case .who(let name, let certificate): "\(name)（\(certificate)）"
        case .yes(let yes): yes ? "是" : "否"
        case .contractKind(let kind): ["part-time": "非全日制", "full-time": "全日制"][kind] ?? kind
        case .noActiveParticipants(let inactive): "没有在册的参与者；另有 \(inactive) 位不在册（`sunsync participant list --all` 列出）"
        case .noStore(let home):
            "\(home) 里还没有 Sunsync 数据。与区里的服务器一起使用：sunsync login --server <地址> --token <令牌>（由管理员提供）。"
                + "单机离线记录：sunsync init --org <机构代码>。（或用 --home 指定另一个文件夹。）"
        case .initialized(let org, let name, let home, let replica):
            "已在 \(home) 建立 \(org)\(name.map { "（\($0)）" } ?? "") 的本地数据（本机在服务器上的编号是 \(replica)）"
        case .initNext: "下一步：sunsync participant add --name 张三 --cert <残疾人证号> --start <合同开始 YYYY-MM-DD>"
        case .unlocked(let home, let until): "已解锁 \(home)，到 \(until)（北京时间）为止；`sunsync lock` 立即锁上。"
        case .passphraseChanged(let home): "已更改 \(home) 的口令。之前做的备份仍用当时的口令打开。"
        case .status(let item):
            switch item {
            case .organization: "机构"
            case .home: "数据文件夹"
            case .laptop: "本机编号"
            case .participants: "在册参与者"
            case .hoursDays: "有工时的天数"
            case .lunches: "午餐补贴"
            case .rejectedDays: "被审核退回"
            case .ops: "修改记录"
            case .server: "服务器"
            case .lastSync: "上次同步"
            case .pending: "等待同步"
            case .refused: "服务器拒收"
            case .conflicts: "冲突"
            case .flags: "提示"
            case .store: "本地数据"
            case .reveal: "完整证号（--reveal）"
            }
        case .never: "从未"
        case .encrypted(let cipher): "已加密（\(cipher)）；离开电脑时请 `sunsync lock`"
        case .notEncrypted: "未加密"
        case .revealAllowed: "区里已允许，每次显示都会留下记录"
        case .revealNotAllowed: "本机不允许"
        case .reviewerOf(let district): "审核人员，\(Districts.names[district] ?? "区")（\(district)）"
        case .rejectedDays(let n): "\(n) 天（`sunsync hours list` 可看理由）"
        case .noServer: "未连接（`sunsync login`）"
        case .refusedOps(let n): "\(n) 条（`sunsync rejected`）"
        case .beijingTime: "北京时间"
        case .registered(let name, let certificate, let detail): "已登记 \(name)（\(certificate)\(detail)）"
        case .alreadyRegistered(let certificate): "\(certificate) 已经登记过；要修改请用 `sunsync participant edit`"
        case .needsStart: "请给出 --start YYYY-MM-DD，即合同开始日期：参与者要连同它一起登记，服务器不接收没有它的登记"
        case .nowActive(let who, let active): "\(who) 现在\(active ? "在册" : "不在册")"
        case .nothingToChange: "没有要修改的内容：请给出 --name、--cert、--contract、--start 或 --end"
        case .linked(let server, let device, let role, let scope):
            "已连接到 \(server)，本机是 \(device)（\(role == "staff" ? "基地工作人员" : role == "reviewer" ? "审核人员" : "管理员")，\(scope)）。运行 `sunsync sync` 交换记录。"
        case .scopeDistrict(let district): "\(Districts.names[district] ?? "区")（\(district)）"
        case .scopeEverything: "所有机构"
        case .synced(let sent, let received, let new):
            "同步完成：发出 \(sent) 条，收到 \(received) 条" + (new.map { "（其中 \($0) 条是本机没有的，其余本机已有）。" } ?? "。")
        case .syncRejected(let n): "服务器拒收 \(n) 条：见 `sunsync rejected`。"
        case .conflictsHint: "`sunsync conflicts` 列出需要解决的分歧。"
        case .sentenceGap: ""
        case .serverReplaced(let resent): "服务器的数据库不是本机上次同步时的那个（从备份恢复了？）：本机的 \(resent) 条修改已重新发出，并重新收到全部记录。"
        case .rekeyed(let people): "本机在知道区里的人员编号密钥之前登记的 \(people) 位参与者，其记录现已改用该密钥（仅此一次；其他都没变）。"
        case .rekeying(let people): "正在把本机 \(people) 位参与者的记录改用区里的人员编号密钥（仅此一次，记录多时需要几十秒）…"
        case .clockHealed(let restamped): "本机的时钟曾经走快，现在已经正确：按快的时钟记下的 \(restamped) 条修改已按正确时间重新发出。没有丢失任何记录。"
        case .clockOff(let minutes):
            "本机时钟比服务器\(minutes > 0 ? "快" : "慢")了 \(span(minutes))：请校准日期和时间（系统设置，或 `sudo timedatectl set-ntp true`）。"
                + (minutes > 0 ? "在此之前服务器拒收本机写的记录；记录保留在本机，时钟正确后会重新发出。" : "")
                + "如果本机时钟是对的，那就是服务器的时钟错了：请告诉管理员。"
        case .replicaMoved(let replica, let reissued):
            "服务器发现另一台设备在用本机的编号写入（复制了数据文件夹或令牌）：本机现在改用编号 \(replica)"
                + (reissued > 0 ? "，被拒收的 \(reissued) 条修改已用新编号重新发出" : "")
                + "。没有丢失任何记录。如果本机的数据文件夹被复制过，请告诉管理员（`sunsync-server device list`）。"
        case .clashed(let n): "收到的 \(n) 条修改用了本机已用于其他修改的编号；保留本机自己的。"
        case .unrecognized(let n): "收到的修改中有 \(n) 条用了本版本 sunsync 不认识的字段或取值（服务器版本更新）。它们已保留并同步；更新 sunsync 后即可看到。"
        case .syncStopped(let reason, let pending): "同步中断：\(reason)。没有丢失任何记录；\(pending) 条修改等待发出。请再运行 `sunsync sync`。"
        case .syncStoppedHere(let reason): "同步中断：\(reason)。请再运行 `sunsync sync`；没有丢失任何记录。"
        case .tokenRefused(let detail, let pending): "\(detail)。本机没有丢失任何记录：\(pending) 条修改等本机有了有效令牌后发出（`sunsync login`）。"
        case .progressSent(let n): "已发出 \(n) · "
        case .progressReceiving(let done, let total): "已收到 \(done) / \(total) 条"
        case .progressLeft(let s): " · 还需 " + (s < 60 ? "\(max(s, 1)) 秒" : "\(s / 60) 分 \(s % 60) 秒")
        case .progressReceived(let n): "已收到 \(n) 条"
        case .retrying(let reason, let ms, let attempt, let of): "\(reason)；\(ms >= 1000 ? "\(ms / 1000) 秒" : "\(ms) 毫秒")后重试（第 \(attempt) 次，共 \(of) 次）…"
        case .notAnswering: "服务器没有应答"
        case .connectionCut: "服务器断开了连接"
        case .cannotConnect: "连不上服务器"
        case .networkFailed: "网络出错"
        case .serverAnswered(let status, let code): "服务器答复 \(status)（\(code)）"
        case .serverAskedToWait(let status, let code, let seconds): "服务器答复 \(status)（\(code)），要求等待 \(seconds) 秒"
        case .failingSignatures: "有修改的签名验证不通过"
        }
    }

    /// 12 分钟、3 小时、365 天
    func span(_ minutes: Int64) -> String {
        let m = abs(minutes)
        if m < 120 { return "\(m) 分钟" }
        if m < 48 * 60 { return "\((m + 30) / 60) 小时" }
        return "\((m + 720) / (24 * 60)) 天"
    }

    func noun(_ day: Message.Day) -> String { day == .hours ? "工时" : "午餐补贴" }

    /// A missing field as the option that gives it.
    func option(_ field: String) -> String {
        switch field {
        case "name": "姓名（--name）"
        case "cert": "残疾人证号（--cert）"
        case "contract": "合同类型（--contract）"
        case "contract_start": "合同开始日期（--start）"
        default: self.field(field)
        }
    }

    /// "2024-03：4、5、11 日（共 3 天）"
    func days(_ days: [CivilDate]) -> String {
        let sorted = Set(days).sorted()
        guard let first = sorted.first else { return "" }
        return "\(first.monthKey)：\(sorted.map { String($0.parts.day) }.joined(separator: "、")) 日（共 \(sorted.count) 天）"
    }

    func list(_ items: [String]) -> String { items.joined(separator: "、") }

    /// The model's list of typed forms ("a, b or c") as Chinese writes a list: "a、b 或 c".
    func or(_ forms: String) -> String { forms.replacingOccurrences(of: ", ", with: "、").replacingOccurrences(of: " or ", with: " 或 ") }

    /// 63 岁、63 岁 4 个月
    func age(_ months: Int) -> String { months % 12 == 0 ? "\(months / 12) 岁" : "\(months / 12) 岁 \(months % 12) 个月" }
}
