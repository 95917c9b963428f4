import SunsyncModel

/// 中文（默认）。用语取自政策原文：非全日制、工时、午餐补贴、合同期、政策不重复享受。
public struct Chinese: Words {
    public init() {}

    public func kind(_ kind: Flag.Kind) -> String { kind.chinese }

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
        case .notADate(let text, let forms, let words): "“\(text)”不是有效日期：请写成 \(forms)\(words ? "（或 today 今天、yesterday 昨天）" : "")"
        case .notAMonth(let text): "“\(text)”不是月份：请写成 YYYY-MM，例如 2024-03（或 2024-3）"
        case .notHours(let text, let forms): "无法把“\(text)”读作工时：请写 \(forms)"
        case .zeroHours: "0 小时不算工作日：要删除某天的工时，用 `sunsync hours clear <姓名> <日期>`"
        case .tooManyHours(let text): "一天不可能有 \(text) 小时（最多 24 小时），请检查"
        case .notYuan(let text, let forms): "无法把“\(text)”读作金额（元）：请写 \(forms)"
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
        case .noStore(let home):
            "\(home) 里还没有 Sunsync 数据。与区里的服务器一起使用：sunsync login --server <地址> --token <令牌>（由管理员提供）。"
                + "单机离线记录：sunsync init --org <机构代码>。（或用 --home 指定另一个文件夹。）"
        }
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

    /// 63 岁、63 岁 4 个月
    func age(_ months: Int) -> String { months % 12 == 0 ? "\(months / 12) 岁" : "\(months / 12) 岁 \(months % 12) 个月" }
}
