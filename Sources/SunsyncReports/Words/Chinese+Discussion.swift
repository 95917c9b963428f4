import Foundation
import SunsyncModel

/// `sunsync` 各命令 `--help` 中较长的说明，中文。
extension Chinese {
    public func discussion(_ command: Command) -> String {
        switch command {
        case .reportMonthly:
            """
            统计所有记录，无论是否已审核；`sunsync report payments` 只统计审核通过的。在审核人员的笔记本上：每个机构一段，各有小计（--org 只看一个）。
            例：sunsync report monthly --month 2024-03 --format csv > 2024-03.csv
            """
        case .reportPayments:
            """
            只统计审核人员通过的记录：待审核、已退回、有冲突或已删除的都不计（报表注明各有多少条没有计入）。金额精确到分。
            例：sunsync report payments --month 2024-03 --format csv -o 2024-03-payments.csv
            """
        case .reportSheet:
            """
            每位参与者一行：每天的工时、有午餐的日子标“餐”、当月合计，以及参与者签字栏；下方有基地负责人签字线。列出已记录（未删除）的内容，无论是否已审核；发放以审核为准。用浏览器打开文件打印（或 `chromium --headless --print-to-pdf=sheet.pdf sheet.html`）。除非给 --reveal，残疾人证号都遮盖。
            例：sunsync report sheet --month 2024-03 -o 考勤表-2024-03.html
            """
        case .review:
            """
            一个月的审核通常是：同步，逐个基地查看，通过没有问题的，查看其余的，再同步。
            \(reviewMonth)
            """
        case .reviewList:
            "第一列的编号就是 `review show`、`approve` 和 `reject` 要用的编号。"
        case .reviewApprove:
            """
            sunsync review approve h20240304-3fa9c0d1 l20240304-77e0a2b9
            sunsync review approve --org MH-SB-001 --month 2024-03 --unflagged   （跳过有提示或冲突的记录）
            有冲突的记录不会被通过：先由基地解决。
            """
        case .reviewReject:
            """
            例：sunsync review reject h20240305-3fa9c0d1 --reason "合同期外的工时"
            基地更正（或清除）这一天后，这条记录需要重新审核。
            """
        case .history:
            "给出日期时只看那一天的工时和午餐。例：sunsync history 张三 2024-03-04"
        case .initialize:
            "例：sunsync init --org MH-SB-001 --name 闵行区莘庄镇阳光基地 --lunch-rate 15"
        case .conflicts:
            """
            解决办法：重新写这个字段（例如对那一天再用一次 `sunsync hours set`），或用 `sunsync resolve <编号> --keep <值>` 保留列出的某一个值。
            """
        case .resolve:
            "例：sunsync resolve 3fa9c0d1 --keep 3.5   （编号和值按 `sunsync conflicts` 列出的写）"
        case .importSheet:
            """
            读取 UTF-8（带或不带 BOM）和 GB18030/GBK（Excel 保存的格式）。表头可以是中文（姓名、残疾人证号、日期、工时、劳动项目、备注、金额、合同、合同开始、合同结束）或英文（name、cert、date、hours、project、note、amount、contract、start、end）。工时和午餐按残疾人证号或姓名找到参与者。只要有一行有错，整个文件都不导入，并按行号列出每个错行。`sunsync import --template hours > hours.csv` 写出一张待填的空表。
            """
        case .exportSheet:
            "除非给 --reveal，残疾人证号都遮盖；`import` 可以读回导出的 CSV。"
        case .login:
            """
            已经建立过数据的笔记本，令牌必须属于同一个机构。从未建立过数据的，login 按令牌建立：基地的机构，或审核人员的区。令牌保存在数据文件夹里，只有你可读，不会再显示。
            """
        case .sync:
            """
            随时中断都安全：下次同步从中断处继续，不丢失、不重复。服务器拒收的修改保留在本机，`sunsync rejected` 列出。
            """
        case .verify:
            """
            服务器发来的每条修改都在写入设备签名（Ed25519，SPEC §9）的批次里，`sync` 拒收核对不通过的。本命令按上次同步时服务器列出的密钥，把整个本地数据再核对一遍：在本机文件里被手工改动的修改核对不通过，并列出原因。启用签名之前收到的修改只计数，不算不通过。有不通过的，退出状态为 1。
            """
        case .backup:
            """
            备份是本地数据某一时刻的完整副本，用数据密钥加密，只有所有者可读；旁边的 FILE.keys 保存用口令保护的密钥（两个文件请放在一起）。备份里没有同步令牌。

            恢复：`sunsync restore FILE`，然后 `sunsync sync`：本机在备份之后发出过的内容会从服务器回来。备份之后录入、从未同步的修改不在备份里。

            例：sunsync backup /media/usb/sunsync-$(date +%F).sqlite
            """
        case .restore:
            """
            先检查备份（是完好的笔记本数据），再复制进来；被替换的数据移到一旁（数据文件夹里的 store.sqlite.before-restore-<时间>），不会删除。恢复期间不要运行其他 sunsync 命令。然后运行 `sunsync sync`：本机在备份之后发出过的内容会从服务器回来。在新机器上，先 `sunsync login`。一份备份只用在一台笔记本上：两台笔记本绝不能共用一份数据。打开备份需要旁边的 FILE.keys 和备份时的口令。

            例：sunsync restore /media/usb/sunsync-2026-11-01.sqlite
            """
        case .lock:
            "离开笔记本时请锁定。本地数据在磁盘上始终是加密的；锁定只是忘掉内存中的密钥。"
        case .unlock:
            "数据锁定时，任何命令都会询问口令；`unlock` 提前解锁（例如在运行脚本之前）。"
        case .passphrase:
            """
            先问现在的口令，再问两遍新口令（脚本：现在的口令用 SUNSYNC_PASSPHRASE 或 --passphrase-file，新口令用 SUNSYNC_NEW_PASSPHRASE）。数据密钥不变，所以不需要重新加密；之前的备份仍用备份时的口令打开。
            """
        case .hoursSet:
            """
            工时：3.5、3h30m、210m、3小时30分 或 4；日期：2024-03-04、2024/3/4、2024年3月4日、today。再写一次同一天会替换它，并解决这一天的冲突。
            例：sunsync hours set 张三 2024-03-04 3.5 --project 包装
            """
        case .lunchSet:
            "不给 --amount 时按机构的午餐补贴标准（由 `sunsync init --lunch-rate` 设定，或从区里同步）。"
        case .participantAdd:
            "例：sunsync participant add --name 张三 --cert 11010519491231002X52 --contract part-time --start 2024-01-01"
        default: ""
        }
    }
}

extension Chinese {
    /// ArgumentParser's sentences (version 1.8), line by line; a line it words otherwise stays as it is.
    public func usage(_ message: String) -> String {
        message.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var line = String(line)
            for (pattern, replacement) in Self.usagePatterns {
                line = line.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
            }
            return line
        }.joined(separator: "\n")
    }

    static let usagePatterns: [(String, String)] = [
        ("^Error: Missing expected argument '(.+)'$", "错误：缺少参数 $1"),
        ("^Error: Missing value for '(.+)'$", "错误：$1 缺少取值"),
        ("^Error: Unknown option '(.+)'\\. Did you mean '(.+)'\\?$", "错误：没有选项 $1；是不是 $2？"),
        ("^Error: Unknown option '(.+)'$", "错误：没有选项 $1"),
        ("^Error: Unexpected argument '(.+)'$", "错误：多余的参数“$1”"),
        ("^Error: The value '(.*)' is invalid for '(.+)'$", "错误：“$1”不是 $2 可取的值"),
        ("^Error: ", "错误："),
        ("^Help:  ", "说明："),
        ("^Usage: ", "用法："),
        ("^  See '(.+)' for more information\\.$", "  更多说明：$1"),
    ]
}
