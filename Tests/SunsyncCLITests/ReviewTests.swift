import Foundation
import Testing

extension CLI {
    func json(_ args: String...) throws -> Any {
        let result = try run(args)
        #expect(result.status == 0, "sunsync \(args.joined(separator: " ")): \(result.err)")
        return try result.json()
    }

    func flagKinds(_ args: String...) throws -> [String] {
        let lines = try #require(try run(["flags", "--json"] + args).json() as? [[String: Any]])
        return lines.compactMap { $0["kind"] as? String }.sorted()
    }
}

enum MorePeople {
    static let zhao = "31011219880202101551"
    static let qian = "31011219910707202651"
    static let sun = "31011219930909303651"
}

/// The district's side, with the real binaries: two bases of Minhang and one of Xuhui, staff on several
/// laptops, a month with planted problems, a reviewer who approves, rejects and pays.
@Suite(.serialized) struct ReviewTests {
    @Test(arguments: ServerBackend.available) func aDistrictReviewsAMonthAndPaysFromWhatItApproved(backend: ServerBackend) throws {
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let a1 = try CLI.linked(server, "a1", "--role", "staff", "--org", "MH-SB-001")
        let a2 = try CLI.linked(server, "a2", "--role", "staff", "--org", "MH-SB-001")
        let b = try CLI.linked(server, "b", "--role", "staff", "--org", "MH-SB-002")
        let x = try CLI.linked(server, "x", "--role", "staff", "--org", "XH-SB-001")
        // A laptop made by login knows its org before its first sync: name, and lunch rate for `lunch set`.
        #expect(try a1.run("status").out.contains("基地 MH-SB-001"))
        for (name, cert) in [("张三", People.zhang), ("李四", People.li), ("王五", People.wang), ("赵六", MorePeople.zhao), ("钱七", MorePeople.qian)] {
            #expect(try a1.run("participant", "add", "--name", name, "--cert", cert, "--start", "2024-01-01").status == 0)
        }
        #expect(try b.run("participant", "add", "--name", "王五", "--cert", People.wang, "--start", "2024-01-01").status == 0)
        #expect(try x.run("participant", "add", "--name", "孙八", "--cert", MorePeople.sun, "--start", "2024-01-01").status == 0)
        let lunchBeforeSync = try x.run("lunch", "set", "孙八", "2024-03-01")
        #expect(lunchBeforeSync.status == 0 && lunchBeforeSync.out.contains("15.00"), "the org's rate came with login: \(lunchBeforeSync.err)")
        #expect(try x.run("lunch", "clear", "孙八", "2024-03-01").status == 0)
        _ = try a1.sync()
        _ = try a2.sync()
        // Planted: 张三 works 25 h in the week of 03-04, entered on two laptops;
        for day in ["04", "05", "06"] { try a1.run("hours", "set", "张三", "2024-03-\(day)", "5") }
        for day in ["07", "08"] { try a2.run("hours", "set", "张三", "2024-03-\(day)", "5") }
        // a lunch without hours; the same person with hours and a lunch at two bases on one day;
        #expect(try a1.run("lunch", "set", "李四", "2024-03-12").status == 0)
        for laptop in [a1, b] {
            try laptop.run("hours", "set", "王五", "2024-03-13", "3")
            try laptop.run("lunch", "set", "王五", "2024-03-13")
        }
        #expect(try b.run("participant", "deactivate", "王五").status == 0)
        // a date in the future; a conflict; and clean days.
        let soon = ISO8601DateFormatter().string(from: Date().addingTimeInterval(40 * 86400)).prefix(10)
        #expect(try a1.run("hours", "set", "钱七", String(soon), "2", "--anyway", "--reason", "预先登记").status == 0)
        try a1.run("hours", "set", "赵六", "2024-03-14", "3")
        _ = try a1.sync()
        _ = try a2.sync()
        try a1.run("hours", "set", "赵六", "2024-03-14", "3.5")
        try a2.run("hours", "set", "赵六", "2024-03-14", "4")
        for day in ["18", "19", "20"] {
            try a1.run("hours", "set", "钱七", "2024-03-\(day)", "4")
            try a1.run("lunch", "set", "钱七", "2024-03-\(day)")
        }
        try x.run("hours", "set", "孙八", "2024-03-04", "4")
        for laptop in [a1, a2, b, x, a1] { _ = try laptop.sync() }
        // a2 holds 钱七's 03-18 and edits it offline, before the reviewer decides; it syncs only after.
        try a2.run("hours", "set", "钱七", "2024-03-18", "4.5")

        // The reviewer pulls the district: exactly the planted flags, and nothing of Xuhui.
        let reviewer = try CLI.linked(server, "mh-review", "--role", "reviewer", "--district", "310112", "--may-reveal")
        _ = try reviewer.sync()
        let allKinds = try reviewer.flagKinds()
        #expect(allKinds == ["conflict", "double_lunch_claim", "future_date", "hours_at_several_orgs",
                                             "lunch_without_hours", "weekly_hours_over_limit"], "\(allKinds)")
        #expect(try reviewer.flagKinds("--month", "2024-03") == ["conflict", "double_lunch_claim", "hours_at_several_orgs",
                                                                 "lunch_without_hours", "weekly_hours_over_limit"])
        let flags = try #require(try reviewer.json("flags", "--json", "--month", "2024-03") as? [[String: Any]])
        let weekly = try #require(flags.first { $0["kind"] as? String == "weekly_hours_over_limit" })
        #expect(Set(weekly["devices"] as? [String] ?? []) == ["a1 · MH-SB-001", "a2 · MH-SB-001"], "devices by name, not replica codes")
        #expect(weekly["org_name"] as? String == "基地 MH-SB-001")
        let list = try #require(try reviewer.json("review", "list", "--json", "--month", "2024-03") as? [[String: Any]])
        #expect(!list.contains { $0["org"] as? String == "XH-SB-001" }, "another district's records are not pulled")
        #expect(Set(list.compactMap { $0["org"] as? String }) == ["MH-SB-001", "MH-SB-002"])
        #expect(list.allSatisfy { ($0["certificate"] as? String)?.contains("*") == true })

        // Approving the unflagged records of MH-SB-001's March: the flagged and the conflicting stay.
        let approved = try #require(try reviewer.json("review", "approve", "--org", "MH-SB-001", "--month", "2024-03", "--unflagged", "--json")
            as? [String: Any])
        #expect((approved["decided"] as? [String])?.count == 6, "钱七's three days and three lunches")
        let rejectID = try #require(list.first { $0["name"] as? String == "李四" && $0["collection"] as? String == "lunches" }?["review_id"] as? String)
        #expect(try reviewer.run("review", "reject", rejectID, "--reason", "无工时不发午餐").status == 0)
        // Refusals change nothing: an unknown id, staff approving, a reviewer entering hours.
        let unknown = try reviewer.run("review", "approve", "h20240301-00000000")
        #expect(unknown.status != 0 && unknown.err.contains("no record h20240301-00000000"))
        let staffApproves = try a1.run("review", "approve", rejectID)
        #expect(staffApproves.status != 0 && staffApproves.err.contains("区残联"))
        let reviewerEdits = try reviewer.run("hours", "set", "张三", "2024-03-04", "1")
        #expect(reviewerEdits.status != 0 && reviewerEdits.err.contains("reviewer"))
        _ = try reviewer.sync()

        // a2's offline edit arrives after the approval: that day needs review again and is not paid.
        _ = try a2.sync()
        _ = try reviewer.sync()
        let edited = try #require(try reviewer.json("review", "list", "--json", "--month", "2024-03", "--org", "MH-SB-001") as? [[String: Any]])
        let day18 = try #require(edited.first { $0["date"] as? String == "2024-03-18" && $0["collection"] as? String == "hours" })
        #expect(day18["review"] as? String == "needs_review" && day18["changed_after_approval"] as? Bool == true)

        // The payment report: approved records only, exact to the fen.
        let payments = try #require(try reviewer.json("report", "payments", "--month", "2024-03", "--json") as? [String: Any])
        let total = try #require(payments["total"] as? [String: Any])
        #expect(total["days"] as? Int == 2 && total["minutes"] as? Int == 480, "钱七's 03-19 and 03-20; 03-18 changed after approval")
        #expect(total["lunches"] as? Int == 2 && total["lunch_fen"] as? Int == 3000 && total["lunch_amount"] as? String == "30.00",
                "03-18's lunch waits with its day's hours")
        #expect((payments["not_counted"] as? [String: Int])?["hours_not_counted"] == 1)
        #expect((payments["orgs"] as? [[String: Any]])?.compactMap { $0["org"] as? String } == ["MH-SB-001"])
        let csv = try reviewer.run("report", "payments", "--month", "2024-03", "--format", "csv", "--reveal", "--purpose", "核对")
        #expect(csv.out.hasPrefix("\u{FEFF}") && csv.out.contains("\"=\"\"\(MorePeople.qian)\"\"\""), "all-digit numbers stay text in Excel")

        // Staff see the decisions at their next sync: approved and rejected, with the reason.
        _ = try a1.sync()
        let lunches = try #require(try a1.json("lunch", "list", "--json", "--month", "2024-03") as? [[String: Any]])
        let rejected = try #require(lunches.first { $0["review_id"] as? String == rejectID })
        #expect(rejected["review"] as? String == "rejected" && rejected["review_note"] as? String == "无工时不发午餐")
        #expect(lunches.filter { $0["review"] as? String == "approved" }.count == 3)
        #expect(try a1.run("lunch", "list", "--month", "2024-03").out.contains("已退回: 无工时不发午餐"))
        let status = try #require(try a1.json("status", "--json") as? [String: Any])
        #expect(status["rejected_days"] as? Int == 1)
        let history = try a1.run("history", "李四", "2024-03-12")
        #expect(history.out.contains("mh-review · 310112"), "\(history.out)")

        // Settings changed on the server reach the laptops and change the flags: a 26 h limit clears the week.
        #expect(try server.admin("settings", "set", "--weekly-limit", "26", "--from", "2024-01-01").status == 0)
        _ = try reviewer.sync()
        #expect(try !reviewer.flagKinds("--month", "2024-03").contains("weekly_hours_over_limit"))
        // and a lower lunch rate from March flags the 15-yuan lunches, not the ones before it.
        #expect(try server.admin("org", "edit", "MH-SB-001", "--lunch-rate", "12", "--from", "2024-03-15").status == 0)
        _ = try reviewer.sync()
        let above = try #require(try reviewer.json("flags", "--json", "--month", "2024-03") as? [[String: Any]])
            .filter { $0["kind"] as? String == "lunch_above_rate" }
        #expect(above.count == 3, "钱七's lunches of 03-18 to 03-20, not 李四's of 03-12")
        _ = try a1.sync()
        let lunchAfter = try a1.run("lunch", "set", "钱七", "2024-03-21")
        #expect(lunchAfter.out.contains("12.00"), "the laptop takes the rate in force: \(lunchAfter.out)")
    }

    @Test(arguments: ServerBackend.available) func aTokenUsedFromTwoLaptopsIsShown(backend: ServerBackend) throws {
        let server = try ServerProcess.withOrgs(backend: backend)
        defer { server.stop() }
        let token = try server.token("shared", "--role", "staff", "--org", "MH-SB-001")
        for _ in 0..<2 {
            let laptop = CLI()
            #expect(try laptop.run("login", "--server", server.url, "--token", token).status == 0)
            #expect(try laptop.run("participant", "add", "--start", "2024-01-01", "--name", "张三", "--cert", People.zhang).status == 0)
            _ = try laptop.sync()
        }
        let list = try server.admin("device", "list")
        #expect(list.out.contains("used from 2 replicas"), "\(list.out)")
    }
}
