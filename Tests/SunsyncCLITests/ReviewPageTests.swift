import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import SunsyncModel
import Testing

/// A browser as far as the review page is concerned: keeps the session cookie, follows no redirect.
final class Browser: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    let base: String
    var cookie: String?
    private lazy var session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        configuration.timeoutIntervalForRequest = 30
        return URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }()

    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: String
        var location: String? { headers["location"] }
    }

    init(_ server: ServerProcess) { base = server.url }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func get(_ path: String) async throws -> Answer { try await send("GET", path, form: nil) }

    func post(_ path: String, _ form: [String: String], headers: [String: String] = [:]) async throws -> Answer {
        try await send("POST", path, form: form, headers: headers)
    }

    func send(_ method: String, _ path: String, form: [String: String]?, headers: [String: String] = [:]) async throws -> Answer {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let cookie { request.setValue("sunsync_review=\(cookie)", forHTTPHeaderField: "Cookie") }
        if let form {
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            request.httpBody = Data(form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
                .joined(separator: "&").utf8)
        }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers = [String: String]()
        for (k, v) in http.allHeaderFields { headers[String(describing: k).lowercased()] = String(describing: v) }
        return Answer(status: http.statusCode, headers: headers, body: String(decoding: data, as: UTF8.self))
    }

    /// Signs in; returns the `Set-Cookie` header.
    @discardableResult
    func signIn(_ token: String) async throws -> String {
        let answer = try await post("/review/login", ["token": token])
        #expect(answer.status == 303 && answer.location == "/review", "sign-in: \(answer.status) \(answer.body.prefix(300))")
        let setCookie = answer.headers["set-cookie"] ?? ""
        cookie = setCookie.split(separator: ";").first.map { String($0.dropFirst("sunsync_review=".count)) }
        return setCookie
    }

    /// The CSRF token the page's forms carry.
    func csrf(on path: String) async throws -> String { try await field("csrf", on: path) }

    /// The value of a hidden form field on a page.
    func field(_ name: String, on path: String) async throws -> String {
        let page = try await get(path).body
        guard let range = page.range(of: #"name="\#(name)" value="[0-9a-f]+""#, options: .regularExpression) else { return "" }
        return String(page[range].dropFirst(#"name="\#(name)" value=""#.count).dropLast())
    }
}

/// The review page, through the real `sunsync-server` on 127.0.0.1: signing in, the pages, deciding,
/// and every refusal. The decisions reach a base's laptop through a real `sunsync sync`.
@Suite(.serialized) struct ReviewPageTests {
    static let evilName = "<script>alert(1)</script>李"
    static let evilReason = "<img src=x onerror=alert(2)>合同期外"

    /// Two Minhang bases and one Xuhui base; 张三 over the weekly limit at MH-SB-001, a clean participant
    /// with a name that is HTML, and a Xuhui participant.
    static func district(_ backend: ServerBackend) throws -> (server: ServerProcess, base: CLI, reviewer: String, xuhui: String, staff: String) {
        let server = try ServerProcess.withOrgs(backend: backend)
        let base = try CLI.linked(server, "laptop-a", "--role", "staff", "--org", "MH-SB-001")
        let x = try CLI.linked(server, "laptop-x", "--role", "staff", "--org", "XH-SB-001")
        #expect(try base.run("participant", "add", "--name", "张三", "--cert", People.zhang, "--start", "2024-01-01").status == 0)
        #expect(try base.run("participant", "add", "--name", evilName, "--cert", People.li, "--start", "2024-01-01").status == 0)
        for day in ["04", "05", "06", "07", "08"] { #expect(try base.run("hours", "set", "张三", "2024-03-\(day)", "5").status == 0) }
        for day in ["04", "05", "06"] {
            #expect(try base.run("hours", "set", People.li, "2024-03-\(day)", "3").status == 0)
            #expect(try base.run("lunch", "set", People.li, "2024-03-\(day)").status == 0)
        }
        #expect(try x.run("participant", "add", "--name", "孙八", "--cert", MorePeople.sun, "--start", "2024-01-01").status == 0)
        #expect(try x.run("hours", "set", "孙八", "2024-03-04", "4").status == 0)
        _ = try base.sync()
        _ = try x.sync()
        return (server, base, try server.token("reviewer-mh", "--role", "reviewer", "--district", "310112"),
                try server.token("reviewer-xh", "--role", "reviewer", "--district", "310104"),
                try server.token("laptop-b", "--role", "staff", "--org", "MH-SB-002"))
    }

    @Test(arguments: ServerBackend.available)
    func aReviewerApprovesTheRecordsSheTicksFlaggedOnesIncluded(backend: ServerBackend) async throws {
        // Given a base's month on the page, with 张三's flagged days waiting
        let (server, base, reviewer, _, _) = try Self.district(backend)
        defer { server.stop() }
        let browser = Browser(server)
        try await browser.signIn(reviewer)
        let page = try await browser.get("/review/orgs/MH-SB-001?month=2024-03&show=all").body
        let ticks = page.matches(of: /name="pick-(h2024030[4-8]-[0-9a-f]{8})" value="([0-9a-f]+)"/).map { (String($0.output.1), String($0.output.2)) }
        #expect(ticks.count >= 5, "every record waiting has a tick box: \(ticks.count)")
        let csrf = try await browser.csrf(on: "/review/orgs/MH-SB-001?month=2024-03")

        // When she ticks two of them, one more with a version the page never showed, and an id of no record of hers
        let xuhui = "h20240304-00000000"   // no record of this district has that id
        var form = ["csrf": csrf, "month": "2024-03"]
        for (id, version) in ticks.prefix(2) { form["pick-" + id] = version }
        form["pick-" + ticks[2].0] = "0000"
        form["pick-" + xuhui] = "0000"
        let approved = try await browser.post("/review/orgs/MH-SB-001/approve-selected", form)

        // Then the two are approved, the others skipped and said so, and nothing ticked is nothing done
        #expect(approved.status == 303 && approved.location?.contains("done=picked-2-2") == true, "\(approved.location ?? approved.body)")
        let after = try await browser.get(approved.location!)
        #expect(after.body.contains("已通过勾选的 2 条记录") && after.body.contains("另有 2 条没有通过"))
        for (id, _) in ticks.prefix(2) {
            #expect(try await browser.get("/review/records/\(id)").body.contains("已通过"))
            #expect(!after.body.contains("name=\"pick-\(id)\""), "an approved record has no tick box")
        }
        let none = try await browser.post("/review/orgs/MH-SB-001/approve-selected", ["csrf": csrf, "month": "2024-03"])
        #expect(try await browser.get(none.location ?? "/").body.contains("没有勾选任何记录"))
        // and the decisions reach the base
        _ = try base.sync()
        let list = try #require(try base.run("hours", "list", "--json", "--month", "2024-03").json() as? [[String: Any]])
        #expect(list.filter { $0["review"] as? String == "approved" }.count == 2)
        // and a forged form (no csrf) changes nothing
        #expect(try await browser.post("/review/orgs/MH-SB-001/approve-selected", ["month": "2024-03", "pick-" + ticks[3].0: ticks[3].1]).status == 403)
    }

    @Test(arguments: ServerBackend.available)
    func aReviewerSignsInSeesTheMonthAndApprovesACleanMonthThatReachesTheBase(backend: ServerBackend) async throws {
        let (server, base, reviewer, _, _) = try Self.district(backend)
        defer { server.stop() }
        let browser = Browser(server)

        // Not signed in: sent to sign in; the form is there.
        let first = try await browser.get("/review")
        #expect(first.status == 303 && first.location == "/review/login")
        #expect(try await browser.get("/").location == "/review")
        let login = try await browser.get("/review/login")
        #expect(login.status == 200 && login.headers["content-type"] == "text/html; charset=utf-8")
        #expect(login.body.contains("name=\"token\"") && login.body.contains("审核登录"))

        // Signing in: a cookie that only HTTP reads, only for /review, for at most 12 hours; only its hash is kept.
        let setCookie = try await browser.signIn(reviewer)
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/review", "Max-Age=43200"] { #expect(setCookie.contains(attribute), "\(setCookie)") }
        #expect(!setCookie.contains("Secure"), "plain HTTP: no Secure attribute")
        let sessionID = try #require(browser.cookie)
        let hashes = try server.query("SELECT id_hash FROM review_sessions")
        #expect(hashes == [NaturalKey.digest(sessionID)], "only the hash of the session id is stored")

        // The district's month: its two orgs (not Xuhui's), totals, the chart, masked numbers, escaped names.
        let month = try await browser.get("/review?month=2024-03")
        #expect(month.status == 200 && month.headers["content-type"] == "text/html; charset=utf-8")
        #expect(month.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        #expect(month.body.contains("MH-SB-001") && month.body.contains("MH-SB-002") && !month.body.contains("XH-SB-001"))
        #expect(month.body.contains("<td class=\"num\">34</td>"), "25 h of 张三 and 9 h of the other: 34 h at MH-SB-001")
        #expect(month.body.contains("近 12 个月工时") && month.body.contains("<svg"))
        #expect(!month.body.contains("<script") && !month.body.contains("src=\"http"), "nothing from outside the server, no script")
        // The default month is the latest with records.
        #expect(try await browser.get("/review").body.contains("2024-03 月度审核"))

        // One org's month: people masked (category and level too), the flag, the days.
        let org = try await browser.get("/review/orgs/MH-SB-001?month=2024-03&show=all")
        #expect(org.status == 200)
        #expect(org.body.contains("310112**********3X**") && org.body.contains("超出每周工时"))
        #expect(org.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;李") && !org.body.contains(Self.evilName))
        // The base's attendance sheet to print: linked from its page, the same names escaped and numbers masked.
        #expect(org.body.contains("/review/orgs/MH-SB-001/sheet?month=2024-03"))
        let sheet = try await browser.get("/review/orgs/MH-SB-001/sheet?month=2024-03")
        #expect(sheet.status == 200 && sheet.body.contains("2024-03 考勤表") && sheet.body.contains("本人签字"))
        #expect(sheet.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;李") && !sheet.body.contains(Self.evilName))
        for page in [month.body, org.body, sheet.body] {
            for number in [People.zhang, People.li, String(People.zhang.prefix(18)), String(People.li.prefix(18))] {
                #expect(!page.contains(number), "\(number) shown unmasked")
            }
            // A number's last digits (category, level) alone, outside hex (versions, keys and tokens made
            // under random secrets hold any four digits now and then).
            let text = page.replacing(/[0-9a-f]*[a-f][0-9a-f]*/, with: "")
            for digits in ["3X52", "6061"] { #expect(!text.contains(digits), "\(digits) shown unmasked") }
        }

        // One person's days: the name links to them.
        // (a short reference, not the person key: ids stay out of addresses and browser histories)
        let personLink = try #require(org.body.firstMatch(of: /href="(\/review\/orgs\/MH-SB-001\?month=2024-03&amp;show=all&amp;person=p[0-9a-f]{8})">张三</).map { String($0.output.1) })
        let person = try await browser.get(personLink.replacingOccurrences(of: "&amp;", with: "&"))
        #expect(person.status == 200 && person.body.contains("仅 张三") && person.body.contains("超出每周工时"))
        #expect(!person.body.contains("<td>" + Self.evilName.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;") + "</td><td>工时"),
                "only 张三's days are listed")

        // A record: content, history with the device's name, the flag.
        let zhangRow = try #require(org.body.firstMatch(of: /records\/(h20240304-[0-9a-f]{8})">[^<]*<\/a><\/td><td>2024-03-04<\/td><td>张三<\/td>/))
        let zhangFlagged = String(zhangRow.output.1)
        let record = try await browser.get("/review/records/\(zhangFlagged)")
        #expect(record.status == 200 && record.body.contains("laptop-a · MH-SB-001") && record.body.contains("修改记录"))
        #expect(try await browser.get("/review/records/h20240304-00000000").status == 404)

        // Approve the month's unflagged records: 张三's five flagged days stay; the other's six records pass.
        let csrf = try await browser.csrf(on: "/review/orgs/MH-SB-001?month=2024-03")
        let approved = try await browser.post("/review/orgs/MH-SB-001/approve", ["csrf": csrf, "month": "2024-03"])
        #expect(approved.status == 303 && approved.location?.contains("done=month-6-5") == true, "\(approved.location ?? approved.body)")
        let after = try await browser.get(approved.location!)
        #expect(after.body.contains("已通过 6 条记录"))
        // A record page leads on to the next of its base's month still waiting: 张三's other four flagged days.
        let waiting = try await browser.get("/review/records/\(zhangFlagged)")
        #expect(waiting.body.contains("下一条待审核") && waiting.body.contains("本基地本月还有 4 条待审核"), "\(waiting.body.suffix(1500))")
        let nextID = try #require(waiting.body.firstMatch(of: /href="\/review\/records\/(h2024030[4-8]-[0-9a-f]{8})">下一条待审核/)?.output.1,
                                  "\(waiting.body.components(separatedBy: "下一条待审核").first?.suffix(200) ?? "")")
        #expect(String(nextID) != zhangFlagged)
        #expect(try await browser.get("/review/records/\(nextID)").status == 200)

        // The decision is an op of the reviewer's device: it reaches the base at its next sync.
        _ = try base.sync()
        let list = try #require(try base.run("hours", "list", "--json", "--month", "2024-03").json() as? [[String: Any]])
        let statuses = Dictionary(grouping: list, by: { $0["name"] as? String ?? "" }).mapValues { $0.compactMap { $0["review"] as? String } }
        #expect(statuses[Self.evilName]?.allSatisfy { $0 == "approved" } == true && statuses[Self.evilName]?.count == 3)
        #expect(statuses["张三"]?.allSatisfy { $0 == "needs_review" } == true)
        let history = try base.run("history", People.li, "2024-03-04")
        #expect(history.out.contains("reviewer-mh"), "the base sees who decided: \(history.out)")

        // A decision names the content the reviewer was shown: after the base changes the day, the old page's
        // form is refused and nothing is written; the page shown again decides.
        let seen = try await browser.field("version", on: "/review/records/\(zhangFlagged)")
        #expect(seen.count == 32)
        #expect(try base.run("hours", "set", "张三", "2024-03-04", "4.5").status == 0)
        _ = try base.sync()
        let stale = try await browser.post("/review/records/\(zhangFlagged)/reject", ["csrf": csrf, "version": seen, "reason": "太多"])
        #expect(stale.status == 409 && stale.body.contains("页面显示之后基地修改了这条记录"), "\(stale.status)")
        #expect(try await browser.post("/review/records/\(zhangFlagged)/reject", ["csrf": csrf, "reason": "太多"]).status == 400, "no version")

        // Reject one with a reason that is HTML: escaped on the page; the base sees the reason.
        let version = try await browser.field("version", on: "/review/records/\(zhangFlagged)")
        #expect(version != seen)
        let rejected = try await browser.post("/review/records/\(zhangFlagged)/reject", ["csrf": csrf, "version": version, "reason": Self.evilReason])
        #expect(rejected.status == 303)
        let shown = try await browser.get("/review/records/\(zhangFlagged)")
        #expect(shown.body.contains("已退回") && shown.body.contains("&lt;img src=x onerror=alert(2)&gt;合同期外") && !shown.body.contains(Self.evilReason))
        let noReason = try await browser.post("/review/records/\(zhangFlagged)/reject", ["csrf": csrf, "version": version, "reason": "  "])
        #expect(noReason.status == 400 && noReason.body.contains("退回需要填写原因"))
        _ = try base.sync()
        #expect(try base.run("hours", "list", "--month", "2024-03").out.contains("合同期外"))

        // The month's payment list: on the page, and as the CSV a reviewer's laptop writes, byte for byte.
        let paymentsPage = try await browser.get("/review/payments?month=2024-03")
        #expect(paymentsPage.status == 200 && paymentsPage.body.contains("2024-03 补贴发放表") && paymentsPage.body.contains("45.00"),
                "\(paymentsPage.body.prefix(400))")
        #expect(paymentsPage.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;李") && !paymentsPage.body.contains(Self.evilName))
        let csvAnswer = try await browser.get("/review/payments.csv?month=2024-03")
        #expect(csvAnswer.status == 200 && csvAnswer.headers["content-type"] == "text/csv; charset=utf-8")
        let laptop = CLI()
        #expect(try laptop.run("login", "--server", server.url, "--token", reviewer).status == 0)
        _ = try laptop.sync()
        let fromLaptop = try laptop.run("report", "payments", "--month", "2024-03", "--format", "csv").out
        #expect(csvAnswer.body == fromLaptop, "the page's CSV and `sunsync report payments` agree")
        #expect(fromLaptop.contains("9") && fromLaptop.contains("45.00"), "3 approved days of 3 h and 3 lunches of 15.00")

        // Signing out ends the session.
        #expect(try await browser.post("/review/logout", ["csrf": csrf]).status == 303)
        #expect(try await browser.get("/review").location == "/review/login")
        let count = try server.count("SELECT count(*) FROM review_sessions")
        #expect(count == 0)
    }

    @Test(arguments: ServerBackend.available) func everyRefusalChangesNothing(backend: ServerBackend) async throws {
        let (server, _, reviewer, xuhui, staff) = try Self.district(backend)
        defer { server.stop() }
        let opsBefore = try server.count("SELECT count(*) FROM ops")

        // Wrong, staff and empty tokens: 401 and no cookie.
        let nobody = Browser(server)
        for token in ["sst_wrong", staff, ""] {
            let answer = try await nobody.post("/review/login", ["token": token])
            #expect(answer.status == 401 && answer.headers["set-cookie"] == nil, "token \(token.prefix(8)): \(answer.status)")
            #expect(answer.body.contains("令牌") || answer.body.contains("审核设备"))
        }
        // A made-up cookie is no session; a form without one is refused.
        nobody.cookie = "made-up"
        #expect(try await nobody.get("/review?month=2024-03").location == "/review/login")
        #expect(try await nobody.post("/review/orgs/MH-SB-001/approve", ["month": "2024-03", "csrf": "x"]).status == 401)

        // CSRF: a post without the session's token is refused.
        let browser = Browser(server)
        try await browser.signIn(reviewer)
        for csrf in ["", "0123456789abcdef0123456789abcdef"] {
            let forged = try await browser.post("/review/orgs/MH-SB-001/approve", ["csrf": csrf, "month": "2024-03"])
            #expect(forged.status == 403 && forged.body.contains("CSRF"))
        }
        // A form from another site (the browser says so) is refused, a sign-in too.
        let csrfToken = try await browser.csrf(on: "/review?month=2024-03")
        let crossSite = try await browser.post("/review/orgs/MH-SB-001/approve", ["csrf": csrfToken, "month": "2024-03"],
                                               headers: ["Sec-Fetch-Site": "cross-site"])
        #expect(crossSite.status == 403 && crossSite.body.contains("别的网站"))
        let crossLogin = try await Browser(server).post("/review/login", ["token": reviewer], headers: ["Sec-Fetch-Site": "cross-site"])
        #expect(crossLogin.status == 403 && crossLogin.headers["set-cookie"] == nil)

        // Bad months and things outside the district: refused in words.
        #expect(try await browser.get("/review?month=2024-13").status == 400)
        #expect(try await browser.get("/review?month=March").status == 400)
        #expect(try await browser.get("/review/orgs/XH-SB-001?month=2024-03").status == 404)
        #expect(try await browser.get("/review/orgs/XH-SB-001/sheet?month=2024-03").status == 404)
        let lost = try await browser.get("/review/no/such/page")
        #expect(lost.status == 404 && lost.headers["content-type"]?.hasPrefix("text/html") == true)
        let other = Browser(server)
        try await other.signIn(xuhui)
        let xuhuiPage = try await other.get("/review/orgs/XH-SB-001?month=2024-03&show=all")
        let xuhuiRecord = try #require(xuhuiPage.body.firstMatch(of: /h20240304-[0-9a-f]{8}/).map { String($0.output) })
        #expect(try await browser.get("/review/records/\(xuhuiRecord)").status == 404, "a reviewer of Minhang cannot open a Xuhui record")
        let csrf = try await browser.csrf(on: "/review?month=2024-03")
        #expect(try await browser.post("/review/records/\(xuhuiRecord)/approve", ["csrf": csrf]).status == 404)
        #expect(try await other.get("/review?month=2024-03").body.contains("XH-SB-001"))
        let tooLong = try await browser.post("/review/login", ["token": String(repeating: "x", count: 70_000)])
        #expect(tooLong.status == 413)

        // Revoking the device ends its sessions at once.
        #expect(try await browser.get("/review?month=2024-03").status == 200)
        #expect(try server.admin("device", "revoke", "reviewer-mh").status == 0)
        #expect(try await browser.get("/review?month=2024-03").location == "/review/login")
        #expect(try await browser.post("/review/orgs/MH-SB-001/approve", ["csrf": csrf, "month": "2024-03"]).status == 401)
        let again = try await Browser(server).post("/review/login", ["token": reviewer])
        #expect(again.status == 401 && again.body.contains("吊销"))

        let opsAfter = try server.count("SELECT count(*) FROM ops")
        #expect(opsBefore == opsAfter, "no refused request wrote anything")
        #expect(try await Browser(server).get("/healthz").status == 200, "the server kept serving")
    }
}
