import Mustache
import SunsyncModel
import SunsyncReports
import Testing
@testable import SunsyncServer

/// The review page's views answer the templates' names themselves (`ReviewViews+Mustache.swift`), where
/// swift-mustache would otherwise read them by `Mirror`: each must answer every field by its name with the
/// field's value, as `Mirror` does, or a page would lose a column without a word.
@Suite struct ReviewViewsTests {
    static let frame = ReviewViews.Frame(district: "310112", device: "审核-1", csrf: "c5rf", month: "2024-03", notice: "已通过")
    static let totals = ReviewViews.Totals(Ledger.sum([], name: "", org: "MH-SB-001", orgName: "阳光基地"), participants: 3, orgCount: 2)
    static let bar = ReviewViews.Bar(x: "1", y: "2", w: "3", h: "4", fill: "#fff", month: "2024-03", short: "3月", value: "12", labelX: "5", labelY: "6")
    static let chart = ReviewViews.Chart(width: 600, height: 200, bars: [bar], gridlines: [.init(y: "1", labelY: "2", label: "0")])
    static let progress = ReviewViews.Progress(approved: 1, rejected: 2, needsReview: 3, approvedWidth: "10%", rejectedWidth: "20%")
    static let orgRow = ReviewViews.OrgRow(code: "MH-SB-001", name: "阳光基地", month: "2024-03", participants: 3, days: 20, hours: "80.0",
                                           lunches: 18, lunchAmount: "270.00", approved: 1, needsReview: 2, rejected: 3, flags: 4,
                                           conflicts: nil, progress: progress, spark: chart)
    static let person = ReviewViews.Person(name: "张三", certificate: "3101**********1234", href: "/review/orgs/x", days: 20, hours: "80.0",
                                           lunches: 18, lunchAmount: "270.00", approved: 1, needsReview: 2, rejected: 3, flags: nil)
    static let day = ReviewViews.Day(id: "h20240304-3fa9c0d1", date: "2024-03-04", name: "张三", kind: "工时", value: "4.0 小时", version: nil,
                                     status: "approved", statusLabel: "已通过", reviewNote: "核对", changed: true, flags: ["超时"], conflict: false)
    static let flagRow = ReviewViews.FlagRow(label: "超时", css: "flag", subject: "张三", message: "每周超过 40 小时")
    static let filter = ReviewViews.Filter(label: "全部", href: "/review/orgs/x?show=all", on: true)
    static let cell = ReviewViews.PaymentCell(text: "270.00", cls: "num")

    static let views: [(name: String, value: any MustacheParent & Sendable)] = [
        ("Frame", frame), ("Totals", totals), ("Bar", bar), ("Gridline", chart.gridlines[0]), ("Chart", chart), ("Progress", progress),
        ("OrgRow", orgRow), ("District", ReviewViews.District(title: "t", frame: frame, totals: totals, chart: chart, orgs: [orgRow], empty: false)),
        ("Person", person), ("FlagRow", flagRow), ("Day", day),
        ("Day, its optionals set", ReviewViews.Day(id: "l20240304-00000000", date: "2024-03-04", name: "李四", kind: "午餐", value: "15.00 元",
                                                    version: "v1", status: "needs-review", statusLabel: "待审核", reviewNote: nil, changed: false,
                                                    flags: [], conflict: true)),
        ("Filter", filter),
        ("Org", ReviewViews.Org(title: "t", frame: frame, code: "MH-SB-001", name: "阳光基地", totals: totals, people: [person], hasFlags: true,
                                flagLines: [flagRow], filters: [filter], days: [day], approvable: 4, canApproveMonth: true, held: 1, rejectedCount: 2)),
        ("Payments", ReviewViews.Payments(title: "t", frame: frame, headers: ["姓名"], rows: [.init(css: "total", cells: [cell])], empty: false,
                                          notCounted: "2 条待审核")),
        ("PaymentRow", ReviewViews.PaymentRow(css: "total", cells: [cell])), ("PaymentCell", cell),
        ("RevealRow", ReviewViews.RevealRow(time: "2024-03-04 10:00", device: "基地-1", org: "MH-SB-001", orgName: "阳光基地", people: "张三",
                                            purpose: "核对", what: "证号")),
    ]

    @Test(arguments: views.indices)
    func everyFieldIsAnsweredByItsNameAsMirrorReadsIt(_ index: Int) {
        let (name, view) = Self.views[index]
        let fields = Mirror(reflecting: view).children.compactMap { child in child.label.map { ($0, Self.unwrapped(child.value)) } }
        #expect(!fields.isEmpty)
        for (label, value) in fields {
            let answer = view.child(named: label)
            #expect(answer.map { String(describing: $0) } == value.map { String(describing: $0) }, "\(name).\(label)")
        }
        #expect(view.child(named: "noSuchField") == nil)
    }

    /// A page rendered from these views reads as one rendered from the same values by `Mirror` (a dictionary
    /// of the fields, which swift-mustache reads by name too).
    @Test func theOrgPageRendersAsByMirror() throws {
        let library = try Templates.library()
        let org = Self.views.first { $0.name == "Org" }!.value
        let byMirror = Self.mirrored(org)
        #expect(library.render(org, withTemplate: "org") == library.render(byMirror, withTemplate: "org"))
        #expect(library.render(org, withTemplate: "org")?.contains("h20240304-3fa9c0d1") == true)
    }

    /// One way to write hours: the page as the CLI (decimal where exact, else hours and minutes, never rounded).
    @Test func hoursReadAsTheCLIWritesThem() {
        #expect(ReviewViews.hoursCell(210) == "3.5")
        #expect(ReviewViews.hoursCell(15) == "0.25")
        #expect(ReviewViews.hoursCell(0) == "0")
        for minutes: Int64 in [200, 7565, 61] {
            #expect(ReviewViews.hoursCell(minutes) == Quantity.hours(minutes) && ReviewViews.hoursCell(minutes).hasSuffix("m"))
        }
        #expect(ReviewViews.hoursCell(7565) == "126h5m")
    }

    static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first?.value
    }

    /// The value as nested dictionaries and arrays of its fields, read by `Mirror`.
    static func mirrored(_ value: Any) -> Any {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .struct: return Dictionary(uniqueKeysWithValues: mirror.children.compactMap { child -> (String, Any)? in
            guard let label = child.label, let inner = unwrapped(child.value) else { return nil }
            return (label, mirrored(inner))
        })
        case .collection: return mirror.children.map { mirrored($0.value) }
        default: return value
        }
    }
}
