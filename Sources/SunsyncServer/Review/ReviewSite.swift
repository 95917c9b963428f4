import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import SunsyncModel
import SunsyncReports
import SunsyncServerStore
import SunsyncStore

/// The review page (SPEC §10): a district federation's reviewer signs in with the reviewer device's
/// token and sees, approves and rejects the district's records in a browser. Server-rendered HTML, no
/// script, nothing from outside the server. A decision is written as an op of the signed-in device, with
/// the same rule as `sunsync review` and the same scope check as a push, so it syncs to every laptop.
struct ReviewSite: Sendable {
    let store: any ServerStore
    let books: ReviewBooks
    let templates: MustacheLibrary
    /// Mark the cookie `Secure` (the server serves TLS).
    let secureCookies: Bool
    /// Refused tokens per client address, shared with the API.
    let signIn: SignInGuard
    /// The rules every op passes, a decision's as a push's.
    var rules: PushService { PushService(store: store, maxClockSkewMilliseconds: ServerConfiguration().maxClockSkewMilliseconds) }

    static let cookieName = "sunsync_review"
    /// A session lasts 12 hours from sign-in, or until sign-out or the device's revocation.
    static let lifetimeSeconds = 12 * 3600
    static let maxFormBytes = 64 * 1024

    init(store: any ServerStore, books: ReviewBooks, secureCookies: Bool, signIn: SignInGuard = SignInGuard()) throws {
        self.signIn = signIn
        self.store = store
        self.books = books
        self.templates = try Templates.library()
        self.secureCookies = secureCookies
    }

    func register(on router: Router<SunsyncRequestContext>) {
        router.get("/") { _, _ in Self.redirect("/review") }
        router.get("/review/login") { request, _ in
            if try await signedIn(request) != nil { return Self.redirect("/review") }
            return try page("login", LoginView())
        }
        router.post("/review/login") { request, _ in try await login(request) }
        router.post("/review/logout") { request, _ in try await logout(request) }
        router.get("/review") { request, _ in
            try await signedPage(request) { signed in try await district(request, signed) }
        }
        router.get("/review/orgs/:code") { request, context in
            try await signedPage(request) { signed in try await org(request, context.parameters.get("code") ?? "", signed) }
        }
        router.get("/review/orgs/:code/sheet") { request, context in
            try await signedPage(request) { signed in try await sheet(request, context.parameters.get("code") ?? "", signed) }
        }
        router.get("/review/payments") { request, _ in
            try await signedPage(request) { signed in try await payments(request, signed, csv: false) }
        }
        router.get("/review/payments.csv") { request, _ in
            try await signedPage(request) { signed in try await payments(request, signed, csv: true) }
        }
        router.get("/review/reveals") { request, _ in
            try await signedPage(request) { signed in try await reveals(request, signed) }
        }
        router.get("/review/records/:id") { request, context in
            try await signedPage(request) { signed in try await record(context.parameters.get("id") ?? "", signed, notice: Self.notice(request), problem: nil) }
        }
        router.post("/review/records/:id/approve") { request, context in
            try await signedForm(request) { signed, form in try await decide(.approved, context.parameters.get("id") ?? "", form, signed) }
        }
        router.post("/review/records/:id/reject") { request, context in
            try await signedForm(request) { signed, form in try await decide(.rejected, context.parameters.get("id") ?? "", form, signed) }
        }
        router.post("/review/orgs/:code/approve-selected") { request, context in
            try await signedForm(request) { signed, form in try await approveSelected(context.parameters.get("code") ?? "", form, signed) }
        }
        router.post("/review/orgs/:code/approve") { request, context in
            try await signedForm(request) { signed, form in try await approveMonth(context.parameters.get("code") ?? "", form, signed) }
        }
        router.get("/review/**") { request, _ in
            try await signedPage(request) { signed in
                try message(status: .notFound, heading: "找不到这个页面", text: "地址 \(request.uri.path) 不是审核页面的一部分。",
                            link: "/review", linkText: "返回本区审核页面", signed: signed)
            }
        }
    }

    // MARK: Sessions

    struct Signed: Sendable {
        let device: Device
        let orgs: [String]
        let csrf: String
        let idHash: String
        var district: String { device.district ?? "" }
        var access: Access { Access(device: device, orgs: orgs) }
    }

    static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// The session the request's cookie names, if it is live and its device a reviewer not revoked.
    func signedIn(_ request: Request) async throws -> Signed? {
        guard let id = request.cookies[Self.cookieName]?.value, !id.isEmpty, id.utf8.count <= 128 else { return nil }
        let hash = Token.hash(id)
        guard let device = try await store.reviewSession(idHash: hash, now: Self.nowMilliseconds()), device.role == .reviewer else { return nil }
        return Signed(device: device, orgs: try await store.orgs(inDistrict: device.district ?? ""), csrf: Self.csrf(sessionID: id), idHash: hash)
    }

    /// The token every form of a session carries: derived from the session id, which only the browser
    /// holding the cookie knows (the server keeps only its hash).
    static func csrf(sessionID: String) -> String { String(NaturalKey.digest("csrf:" + sessionID).prefix(32)) }

    /// A browser says when a form comes from another site (`Sec-Fetch-Site: cross-site`): never one of
    /// these pages' own, so it is refused before anything else — signing in included (login CSRF).
    static func crossSite(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("Sec-Fetch-Site")!]?.lowercased() == "cross-site"
    }

    func crossSiteRefusal() throws -> Response {
        try message(status: .forbidden, heading: "请求被拒绝", text: "这个表单来自别的网站，没有执行。请直接打开审核页面操作。",
                    link: "/review", linkText: "打开审核页面")
    }

    func login(_ request: Request) async throws -> Response {
        if Self.crossSite(request) { return try crossSiteRefusal() }
        let form = try await Self.form(request)
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { return try page("login", LoginView(problem: "请填写设备令牌。"), status: .unauthorized) }
        let address = ClientAddress.current
        do { try signIn.check(address) } catch let error as ServerError {
            var response = try page("login", LoginView(problem: "尝试次数过多：这个地址暂时不能登录，请 \(error.retryAfter ?? 60) 秒后再试。"), status: .tooManyRequests)
            response.headers[.retryAfter] = String(error.retryAfter ?? 60)
            return response
        }
        // One refusal for every token that does not sign in here: it says nothing of whose a token is.
        guard let device = try await store.device(tokenHash: Token.hash(token)), device.revokedAt == nil, device.role == .reviewer else {
            await signIn.failed(address)
            return try page("login", LoginView(problem: "令牌无效：审核页面只接受区残联审核设备的有效令牌。请向管理员索取。"), status: .unauthorized)
        }
        let id = Token.random()
        let now = Self.nowMilliseconds()
        try await store.startReviewSession(idHash: Token.hash(id), device: device.id, at: Date().formatted(.iso8601),
                                           expires: now + Int64(Self.lifetimeSeconds) * 1000, now: now)
        var response = Self.redirect("/review")
        response.setCookie(Cookie(name: Self.cookieName, value: id, maxAge: Self.lifetimeSeconds, path: "/review",
                                  secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func logout(_ request: Request) async throws -> Response {
        try await signedForm(request) { signed, _ in
            try await store.endReviewSession(idHash: signed.idHash)
            var response = Self.redirect("/review/login")
            response.setCookie(Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/review", secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
    }

    /// A page for a signed-in reviewer; anyone else is sent to sign in.
    func signedPage(_ request: Request, _ body: (Signed) async throws -> Response) async throws -> Response {
        guard let signed = try await signedIn(request) else { return Self.redirect("/review/login") }
        return try await body(signed)
    }

    /// A form post by a signed-in reviewer, with the session's CSRF token; refused otherwise.
    func signedForm(_ request: Request, _ body: (Signed, [String: String]) async throws -> Response) async throws -> Response {
        if Self.crossSite(request) { return try crossSiteRefusal() }
        guard let signed = try await signedIn(request) else {
            return try message(status: .unauthorized, heading: "未登录", text: "会话已结束（过期、退出或设备被吊销），这次操作没有执行。请重新登录。",
                               link: "/review/login", linkText: "登录")
        }
        let form = try await Self.form(request)
        guard let csrf = form["csrf"], csrf == signed.csrf else {
            return try message(status: .forbidden, heading: "请求被拒绝", text: "表单缺少有效的校验码（CSRF），这次操作没有执行。请回到页面重新提交。",
                               link: "/review", linkText: "返回审核页面", signed: signed)
        }
        return try await body(signed, form)
    }

    // MARK: Pages

    func district(_ request: Request, _ signed: Signed) async throws -> Response {
        guard let month = try await month(request, signed) else { return try badMonth(signed) }
        let shown = try await books.districtMonth(district: signed.district, orgs: signed.orgs, month: month)
        let months = ReviewBooks.chartMonths(ending: month)
        let minutes = try await books.minutesByOrg(district: signed.district, orgs: signed.orgs, months: months)
        let frame = frame(signed, month: month, notice: Self.notice(request))
        return try page("district", ReviewViews.district(shown, frame: frame, orgs: signed.orgs, minutes: minutes, months: months))
    }

    /// The district's payment list for the month (approved records only), as a page or as the CSV that
    /// `sunsync report payments --format csv` writes, byte for byte.
    func payments(_ request: Request, _ signed: Signed, csv: Bool) async throws -> Response {
        guard let month = try await month(request, signed) else { return try badMonth(signed) }
        let (ledger, _) = try await books.district(district: signed.district, orgs: signed.orgs, month: month)
        let report = ledger.ledger.payments(month: month, org: nil, district: signed.district, reveal: false)
        guard csv else { return try page("payments", ReviewViews.payments(report, frame: frame(signed, month: month, notice: nil))) }
        var headers = Self.htmlHeaders
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"payments-\(signed.district)-\(month).csv\""
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: report.csv)))
    }

    /// Who revealed full 残疾人证号 of the district's participants, when and why: the `reveals` records laptops
    /// sync (the lines `sunsync-server reveals` prints).
    func reveals(_ request: Request, _ signed: Signed) async throws -> Response {
        guard let month = try await month(request, signed) else { return try badMonth(signed) }
        let lines = try await ServerCommand.RevealsCommand.lines(store, orgs: Set(signed.orgs))
        return try page("reveals", ReviewViews.reveals(lines, frame: frame(signed, month: month, notice: nil)))
    }

    /// The base's attendance sheet (考勤表) for the month, to print and sign: the page `sunsync report sheet` writes.
    func sheet(_ request: Request, _ code: String, _ signed: Signed) async throws -> Response {
        guard signed.orgs.contains(code) else { return try notInDistrict("基地 \(code)", signed) }
        guard let month = try await month(request, signed) else { return try badMonth(signed) }
        let (ledger, _) = try await books.org(code, district: signed.district, orgs: signed.orgs, month: month)
        guard let sheet = AttendanceSheet(ledger.ledger, org: code, month: month) else { return try badMonth(signed) }
        return Response(status: .ok, headers: Self.htmlHeaders, body: ResponseBody(byteBuffer: ByteBuffer(string: sheet.html)))
    }

    func org(_ request: Request, _ code: String, _ signed: Signed) async throws -> Response {
        guard signed.orgs.contains(code) else { return try notInDistrict("基地 \(code)", signed) }
        guard let month = try await month(request, signed) else { return try badMonth(signed) }
        let (ledger, orgMonth) = try await books.org(code, district: signed.district, orgs: signed.orgs, month: month)
        let show = request.uri.queryParameters["show"].flatMap { ReviewViews.DayShow(rawValue: String($0)) } ?? .attention
        let person = request.uri.queryParameters["person"].map { String($0).removingPercentEncoding ?? String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        return try page("org", ReviewViews.org(ledger.ledger, month: orgMonth, code: code,
                                               frame: frame(signed, month: month, notice: Self.notice(request)), show: show, person: person))
    }

    func record(_ id: String, _ signed: Signed, notice: String?, problem: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let (key, ledger) = try await find(id, signed) else { return try notInDistrict("记录 \(id)", signed) }
        guard let line = ledger.ledger.line(key) else {
            return try notInDistrict("记录 \(id)", signed)
        }
        let names = try await deviceNames()
        let ops = try await store.history(of: [key]).map(\.op)
        let history = ChangeLine.history(ops, names: names, signers: try await signerNames(of: ops.map(\.id)))
        let frame = frame(signed, month: String(line.date.prefix(7)), notice: notice)
        return try page("record", ReviewViews.record(ledger.ledger, line: line, history: history, names: names, frame: frame, problem: problem),
                        status: status)
    }

    /// The record a short id names in the reviewer's district, with its month's ledger.
    func find(_ id: String, _ signed: Signed) async throws -> (RecordKey, FinishedLedger)? {
        guard let ref = ReviewRef.parse(id) else { return nil }
        let ledger = try await books.ledger(district: signed.district, orgs: signed.orgs, month: ref.date.monthKey)
        let matches = ledger.ledger.keys(matching: id)
        return matches.count == 1 ? (matches[0], ledger) : nil
    }

    // MARK: Decisions

    func decide(_ verdict: ReviewDecision.Verdict, _ id: String, _ form: [String: String], _ signed: Signed) async throws -> Response {
        guard let (key, _) = try await find(id, signed) else { return try notInDistrict("记录 \(id)", signed) }
        let note = form[verdict == .approved ? "note" : "reason"].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        if verdict == .rejected, note == nil {
            return try await record(id, signed, notice: nil, problem: "退回需要填写原因：基地会在记录旁看到它。", status: .badRequest)
        }
        if let note, note.count > 500 {
            return try await record(id, signed, notice: nil, problem: "备注太长（\(note.count) 字），最多 500 字。", status: .badRequest)
        }
        guard let version = form["version"], !version.isEmpty else {
            return try await record(id, signed, notice: nil, problem: "表单缺少记录版本，没有写入：请在记录页面上重新提交。", status: .badRequest)
        }
        let outcome = try await write(verdict, [(key, version)], note: note, signed)
        if let skip = outcome.skipped.first {
            return try await record(id, signed, notice: nil, problem: "没有写入：\(skip.why)。", status: .conflict)
        }
        return Self.redirect("/review/records/\(id)?done=" + (verdict == .approved ? "approved" : "rejected"))
    }

    func approveMonth(_ code: String, _ form: [String: String], _ signed: Signed) async throws -> Response {
        guard signed.orgs.contains(code) else { return try notInDistrict("基地 \(code)", signed) }
        guard let month = form["month"], Ledger.weeks(ofMonth: month) != nil else { return try badMonth(signed) }
        let (ledger, orgMonth) = try await books.org(code, district: signed.district, orgs: signed.orgs, month: month)
        let plan = Ledger.monthApproval(orgMonth.lines, unflagged: true)
        let outcome = try await write(.approved, plan.targets.map { ($0.key, ledger.ledger.state[$0.key]?.contentVersion) }, note: nil, signed)
        let skipped = plan.skipped.count + outcome.skipped.count
        return Self.redirect("/review/orgs/\(code)?month=\(month)&done=month-\(outcome.decided)-\(skipped)")
    }

    /// The records a reviewer ticked on the org page (`pick-<id>` = the content version shown), approved in
    /// one transaction; a record of another org, or changed since the page was shown, is skipped.
    func approveSelected(_ code: String, _ form: [String: String], _ signed: Signed) async throws -> Response {
        guard signed.orgs.contains(code) else { return try notInDistrict("基地 \(code)", signed) }
        guard let month = form["month"], Ledger.weeks(ofMonth: month) != nil else { return try badMonth(signed) }
        var targets = [(key: RecordKey, version: String?)](), foreign = 0
        for (name, version) in form.sorted(by: { $0.key < $1.key }) where name.hasPrefix("pick-") {
            guard let (key, _) = try await find(String(name.dropFirst("pick-".count)), signed), MergedState.org(of: key) == code else { foreign += 1; continue }
            targets.append((key, version))
        }
        guard !targets.isEmpty else { return Self.redirect("/review/orgs/\(code)?month=\(month)&show=needs-review&done=none") }
        let outcome = try await write(.approved, targets, note: nil, signed)
        return Self.redirect("/review/orgs/\(code)?month=\(month)&done=picked-\(outcome.decided)-\(outcome.skipped.count + foreign)")
    }

    final class Outcome: @unchecked Sendable {
        var decided = 0
        var skipped = [(id: String, why: String)]()
    }

    /// One transaction of decisions (`RecordWriter.decide`, the CLI's too), every op checked as a push
    /// from this device would be: nothing is written if one op would be refused. A record whose content
    /// is no longer the version the reviewer was shown (a base synced an edit meanwhile) is skipped.
    func write(_ verdict: ReviewDecision.Verdict, _ targets: [(key: RecordKey, version: String?)], note: String?, _ signed: Signed) async throws -> Outcome {
        let outcome = Outcome()
        let access = signed.access
        // A lunch is approved only beside its day's hours (`RecordWriter.decide`): read those too.
        let days = targets.filter { $0.key.collection == .lunches }.map { RecordKey(collection: .hours, id: $0.key.id) }
        _ = try await store.edit(targets.map(\.key) + days, by: .device(signed.device.id)) { tx in
            let (decided, skipped) = try tx.decide(verdict, targets.map { ($0.key, $0.version) }, note: note)
            outcome.decided = decided.count
            outcome.skipped = skipped.map { (ReviewRef.make($0.key), Chinese().skip($0.why)) }
            for op in tx.written {
                if let refusal = rules.refusal(op, access, now: UInt64(Date().timeIntervalSince1970 * 1000)) { throw StoreError(.invalid, refusal.reason) }
            }
        }
        return outcome
    }

    /// Who signed each op, by name: a device's, 服务器 (the server's own key), or 升级前 (attested at the upgrade to signatures).
    func signerNames(of ids: [OpID]) async throws -> [OpID: String] {
        let owners = try await store.signers(of: ids)
        let names = Dictionary(try await store.devices().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        return owners.mapValues { owner in
            owner == Signing.server ? "服务器" : owner == Signing.attested ? "升级前（服务器代签）" : names[owner] ?? owner
        }
    }

    // MARK: Plumbing

    func frame(_ signed: Signed, month: String, notice: String?) -> ReviewViews.Frame {
        ReviewViews.Frame(district: signed.district, device: signed.device.name, csrf: signed.csrf, month: month, notice: notice)
    }

    /// `?month=YYYY-MM`, else the latest month holding records (not after this one); nil if malformed.
    func month(_ request: Request, _ signed: Signed) async throws -> String? {
        if let text = request.uri.queryParameters["month"].map(String.init), !text.isEmpty {
            return Ledger.weeks(ofMonth: text) == nil ? nil : text
        }
        return try await books.defaultMonth()
    }

    /// Who wrote what, labelled as laptops label it (every device: a record's writers are in the district's scope).
    func deviceNames() async throws -> DeviceNames {
        DeviceNames(SyncController.directory(try await store.devices()).labels)
    }

    /// The line a page shows after a decision redirected to it (`?done=`): made here, never taken from the URL.
    static func notice(_ request: Request) -> String? {
        guard let done = request.uri.queryParameters["done"].map(String.init) else { return nil }
        switch done {
        case "approved": return "已通过。决定会在各基地下次同步时送达。"
        case "rejected": return "已退回。基地下次同步后会看到退回原因。"
        case "none": return "没有勾选任何记录：在“每日记录”表的第一列勾选要通过的记录。"
        default:
            let parts = done.split(separator: "-")
            guard parts.count == 3, parts[0] == "month" || parts[0] == "picked", let decided = Int(parts[1]), let skipped = Int(parts[2]) else { return nil }
            if parts[0] == "picked" {
                return "已通过勾选的 \(decided) 条记录" + (skipped > 0 ? "；另有 \(skipped) 条没有通过（页面显示后已被修改、已有决定，或不属于本基地），请逐条查看" : "")
                    + "。决定会在基地下次同步时送达。"
            }
            return "已通过 \(decided) 条记录" + (skipped > 0 ? "；另有 \(skipped) 条有提示、冲突或已退回，未包含在内，请逐条查看" : "")
                + "。决定会在基地下次同步时送达。"
        }
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    static func form(_ request: Request) async throws -> [String: String] {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxFormBytes) } catch {
            throw ServerError(.contentTooLarge, "body-too-large", "a review form is at most \(maxFormBytes) bytes")
        }
        var fields = [String: String]()
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    struct LoginView {
        var title = "登录"
        var problem: String? = nil
    }

    struct MessageView {
        let title: String
        let heading: String
        let text: String
        let link: String
        let linkText: String
        let district: String?
        let device: String?
        let csrf: String?
    }

    func message(status: HTTPResponse.Status, heading: String, text: String, link: String, linkText: String, signed: Signed? = nil) throws -> Response {
        try page("message", MessageView(title: heading, heading: heading, text: text, link: link, linkText: linkText,
                                        district: signed.map { Districts.federation($0.district) }, device: signed?.device.name,
                                        csrf: signed?.csrf), status: status)
    }

    func notInDistrict(_ what: String, _ signed: Signed) throws -> Response {
        try message(status: .notFound, heading: "找不到", text: "\(what) 不在\(Districts.federation(signed.district))的记录中（编号写错了，或属于别的区）。",
                    link: "/review", linkText: "返回本区审核页面", signed: signed)
    }

    func badMonth(_ signed: Signed) throws -> Response {
        try message(status: .badRequest, heading: "月份有误", text: "月份要写成 YYYY-MM，例如 2024-03。", link: "/review", linkText: "返回本区审核页面", signed: signed)
    }

    /// A rendered template, with headers that keep the page private and self-contained.
    func page(_ template: String, _ view: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        guard let html = templates.render(view, withTemplate: template) else {
            throw ServerError(.internalServerError, "internal", "template \(template) is missing")
        }
        return Response(status: status, headers: Self.htmlHeaders, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static let htmlHeaders: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
    ]
}
