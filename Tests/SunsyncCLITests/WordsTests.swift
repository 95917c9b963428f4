import Foundation
import Testing

/// What a person reads: success lines that say who, suggestions for a typo, help with no stray
/// characters, and --json meaning JSON.
@Suite struct WordsTests {
    @Test func successLinesNameTheParticipantWithTheMaskedNumber() throws {
        let cli = try CLI.withParticipants()
        let set = try cli.run("hours", "set", "张三", "2024-03-04", "3.5")
        #expect(set.status == 0 && set.out.contains("张三 (310112**********3X**) 2024-03-04: 3.5 h"), "\(set.out)")
        let lunch = try cli.run("lunch", "set", "张三", "2024-03-04")
        #expect(lunch.out.contains("张三 (310112**********3X**)"), "\(lunch.out)")
    }

    @Test func aMistypedNameGetsASuggestion() throws {
        let cli = try CLI.withParticipants()
        let result = try cli.run("hours", "set", "张", "2024-03-04", "3")
        #expect(result.status == 1 && result.err.contains("did you mean '张三'?"), "\(result.err)")
        let far = try cli.run("hours", "set", "欧阳修", "2024-03-04", "3")
        #expect(far.status == 1 && !far.err.contains("did you mean"), "\(far.err)")
    }

    @Test func exportWithJSONWritesJSON() throws {
        let cli = try CLI.withParticipants()
        try cli.run("hours", "set", "张三", "2024-03-04", "3.5")
        let rows = try #require(try cli.run("export", "--kind", "hours", "--json").json() as? [[String: Any]])
        #expect(rows.first?["minutes"] as? Int == 210)
    }

    @Test(arguments: ["backup", "restore", "review", "sync", "hours"])
    func helpHasNoStrayCharacters(_ command: String) throws {
        let help = try CLI().run(command, "--help")
        #expect(help.status == 0 && !help.out.contains("\\\n") && !help.out.contains(" \\"), "\(help.out)")
    }
}

/// Chinese first (issue 20): what a person reads is Chinese unless the locale or --lang names English.
@Suite struct ChineseFirstTests {
    static let chinese = ["LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"]

    @Test func mistakesAndSuccessLinesAreChineseByDefault() throws {
        let cli = try CLI.withParticipants()
        let impossible = try cli.run(["hours", "set", "张三", "2026-02-30", "4"], environment: Self.chinese)
        #expect(impossible.status == 1 && impossible.err.hasPrefix("错误：“2026-02-30”不是有效日期"), "\(impossible.err)")
        let typo = try cli.run(["hours", "set", "张", "2024-03-04", "3"], environment: Self.chinese)
        #expect(typo.status == 1 && typo.err.contains("是不是 “张三”？"), "\(typo.err)")
        let set = try cli.run(["hours", "set", "张三", "2024-03-04", "3.5"], environment: Self.chinese)
        #expect(set.status == 0 && set.out.contains("2024-03-04：3.5 小时"), "\(set.out)")
        // A locale that is neither (C, POSIX) is Chinese too; English only when asked.
        let posix = try cli.run(["hours", "set", "张三", "2024-03-04", "3.5"], environment: ["LC_ALL": "C"])
        #expect(posix.out.contains("3.5 小时（未变）"), "\(posix.out)")
        let asked = try cli.run(["hours", "set", "张三", "2024-03-04", "3.5", "--lang", "en"], environment: Self.chinese)
        #expect(asked.out.contains("3.5 h (unchanged)"), "\(asked.out)")
        // A mistyped certificate number: what is wrong, in Chinese (the model says it in parts).
        let cert = try cli.run(["participant", "add", "--name", "赵六", "--cert", "31011219900315123552", "--start", "2024-01-01"], environment: Self.chinese)
        #expect(cert.status == 1 && cert.err.contains("校验码是“5”，但按前 17 位应为“X”"), "\(cert.err)")
        let bad = try cli.run(["hours", "list", "--lang", "fr"], environment: Self.chinese)
        #expect(bad.status != 0 && bad.err.contains("--lang 只能是 zh 或 en，不是“fr”"), "\(bad.err)")
    }

    @Test func flagsSayTheSameInEachLanguageOnTheCLI() throws {
        let cli = try CLI.withParticipants()
        for day in ["04", "05", "06", "07", "08"] { try cli.run("hours", "set", "张三", "2024-03-\(day)", "6") }
        let zh = try cli.run(["flags", "--month", "2024-03", "--json"], environment: Self.chinese)
        let zhLines = try #require(try zh.json() as? [[String: Any]], "\(zh.err)")
        #expect(zhLines.contains { ($0["message"] as? String)?.contains("超过非全日制每周 24 小时的上限") == true }, "\(zh.out)")
        let en = try cli.run("flags", "--month", "2024-03", "--json")
        let enLines = try #require(try en.json() as? [[String: Any]])
        #expect(enLines.contains { ($0["message"] as? String)?.contains("above the 非全日制 limit of 24 h") == true }, "\(en.out)")
    }
}

@Suite struct VersionTests {
    @Test func bothBinariesSayTheirVersionAndCommit() throws {
        let pattern = #"^\d+\.\d+\.\d+ \(([0-9a-f]{12}\+?|unknown)\)\n$"#
        let cli = try CLI().run("--version")
        #expect(cli.status == 0 && cli.out.range(of: pattern, options: .regularExpression) != nil, "\(cli.out)")
        let server = try ServerProcess().adminArgs(["--version"])
        #expect(server.status == 0 && server.out == cli.out, "\(server.out)")
    }
}

extension ChineseFirstTests {
    @Test func refusedTextAndLongerHelpAreChineseToo() throws {
        let cli = try CLI.withParticipants()
        let escape = try cli.run(["hours", "set", "张三", "2024-03-04", "3", "--note", "a\u{1B}[31mb"], environment: Self.chinese)
        #expect(escape.status == 1 && escape.err.hasPrefix("错误：备注：文字的第 2 个字符是转义字符（ESC）"), "\(escape.err)")
        let english = try cli.run(["hours", "set", "张三", "2024-03-04", "3", "--note", "a\u{1B}[31mb"])
        #expect(english.status == 1 && english.err.contains("'note': the text holds an escape character (ESC)"), "\(english.err)")
        let empty = try cli.run(["participant", "add", "--name", "  ", "--cert", "31011219900315123X52", "--start", "2024-01-01"], environment: Self.chinese)
        #expect(empty.status == 1 && empty.err.contains("姓名不能为空"), "\(empty.err)")
        let help = try cli.run(["backup", "--help"], environment: Self.chinese)
        #expect(help.out.contains("恢复：`sunsync restore FILE`") && !help.out.contains("To restore it"), "\(help.out)")
        // ArgumentParser's own usage errors, in Chinese too (English with --lang en, as the other tests read them)
        let missing = try cli.run(["hours", "set", "张三"], environment: Self.chinese)
        #expect(missing.status == 64 && missing.err.hasPrefix("错误：缺少参数 <date>") && missing.err.contains("用法：sunsync hours set"), "\(missing.err)")
        let unknown = try cli.run(["hours", "list", "--bogus"], environment: Self.chinese)
        #expect(unknown.status == 64 && unknown.err.hasPrefix("错误：没有选项 --bogus"), "\(unknown.err)")
        let near = try cli.run(["hours", "list", "--monht", "2024-03"], environment: Self.chinese)
        #expect(near.status == 64 && near.err.hasPrefix("错误：没有选项 --monht；是不是 --month？"), "\(near.err)")
        let asked = try cli.run(["hours", "set", "张三", "--lang", "en"], environment: Self.chinese)
        #expect(asked.err.hasPrefix("Error: Missing expected argument '<date>'"), "\(asked.err)")
        let reject = try cli.run(["review", "reject", "x", "--reason", " "], environment: Self.chinese)
        #expect(reject.status != 0 && reject.err.contains("--reason 不能为空"), "\(reject.err)")
    }
}

/// Chinese first for the district's administrator too: `sunsync-server`'s commands, their help and refusals.
@Suite struct AdminChineseTests {
    @Test func administrationSpeaksChineseUnlessAskedForEnglish() throws {
        let server = ServerProcess()
        let chinese = ChineseFirstTests.chinese
        let district = try server.adminArgs(["org", "add", "--code", "MH-SB-001", "--name", "莘庄镇阳光基地", "--kind", "sunshine-base",
                                             "--district", "999999"], environment: chinese)
        #expect(district.status == 1 && district.err.hasPrefix("错误：“999999”不是上海的区代码") && district.err.contains("310112 闵行区"), "\(district.err)")
        let rate = try server.adminArgs(["org", "add", "--code", "MH-SB-001", "--name", "莘庄镇阳光基地", "--kind", "sunshine-base",
                                         "--district", "310112", "--lunch-rate", "60"], environment: chinese)
        #expect(rate.status == 1 && rate.err.contains("超出通常的 5 到 50 元") && rate.err.contains("--confirm"), "\(rate.err)")
        let added = try server.adminArgs(["org", "add", "--code", "MH-SB-001", "--name", "莘庄镇阳光基地", "--kind", "sunshine-base",
                                          "--district", "310112", "--lunch-rate", "15"], environment: chinese)
        #expect(added.status == 0 && added.out.hasPrefix("已登记 MH-SB-001 莘庄镇阳光基地"), "\(added.out)")
        let list = try server.adminArgs(["org", "list"], environment: chinese)
        #expect(list.out.hasPrefix("代码\t名称") && list.out.contains("阳光基地\t310112 闵行区\t\t15.00 元\t在用"), "\(list.out)")
        let english = try server.adminArgs(["org", "list", "--lang", "en"], environment: chinese)
        #expect(english.out.hasPrefix("code\tname") && english.out.contains("sunshine-base\t310112 闵行区\t\t15.00 yuan\tactive"), "\(english.out)")
        let byLocale = try server.adminArgs(["org", "list"], environment: ["LC_ALL": "", "LANG": "en_GB.UTF-8"])
        #expect(byLocale.out.hasPrefix("code\tname"), "\(byLocale.out)")
        let device = try server.adminArgs(["device", "add", "--name", "审核1", "--role", "reviewer", "--district", "310112"], environment: chinese)
        #expect(device.status == 0 && device.out.contains("已添加审核人员设备 审核1") && device.out.contains("在浏览器中"), "\(device.out)")
        let nobody = try server.adminArgs(["device", "revoke", "没有这台"], environment: chinese)
        #expect(nobody.status == 1 && nobody.err.contains("没有设备“没有这台”"), "\(nobody.err)")
        let help = try server.adminArgs(["org", "add", "--help"], environment: chinese)
        #expect(help.out.contains("登记一个机构") && help.out.contains("6 位区代码"), "\(help.out)")
        let usage = try server.adminArgs(["serve", "--port", "70000"], environment: chinese)
        #expect(usage.status != 0 && usage.err.contains("--port 70000 不是端口号"), "\(usage.err)")
    }
}
