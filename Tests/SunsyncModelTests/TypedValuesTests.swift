import Testing
import SunsyncModel

/// One parser per kind of value: what each accepts and refuses.
struct TypedValuesTests {
    @Test(arguments: ["2024-03-07", "2024-3-7", "2024/3/7", "2024/03/07", "2024.3.7", "2024年3月7日", "2024年3月7", " 2024-03-07 "])
    func datesInEveryForm(_ text: String) {
        #expect(CivilDate(typed: text) == CivilDate("2024-03-07"), "\(text)")
    }

    @Test(arguments: ["2024-02-30", "2024/3-7", "24/3/7", "3/7/2024", "2024年3月", "", "2024-03-07x", "2024--03-07", "二〇二四年三月七日"])
    func notDates(_ text: String) {
        #expect(CivilDate(typed: text) == nil, "\(text)")
    }

    @Test func excelSerialDates() {
        #expect(CivilDate(excelSerial: "45358") == CivilDate("2024-03-07"))
        #expect(CivilDate(excelSerial: "61") == CivilDate("1900-03-01"))
        for bad in ["60", "0", "-1", "45358.5", "2958466", "abc", ""] { #expect(CivilDate(excelSerial: bad) == nil, "\(bad)") }
    }

    @Test(arguments: [("3.5", 210), ("3h30m", 210), ("210m", 210), ("3小时30分", 210), ("3小时30分钟", 210), ("3小时", 180),
                      ("30分钟", 30), ("3.5小时", 210), ("3.5h", 210), ("4", 240), (" 3H30M ", 210)])
    func hoursInEveryForm(_ text: String, _ minutes: Int) {
        #expect(Quantity.minutes(typed: text) == Int64(minutes), "\(text)")
    }

    @Test(arguments: ["abc", "3.51", "3小时x", "", "h", "3.5hh"])
    func notHours(_ text: String) {
        #expect(Quantity.minutes(typed: text) == nil, "\(text)")
    }

    @Test(arguments: [("15", 1500), ("15.00", 1500), ("15.5", 1550), ("¥15", 1500), ("￥15.50", 1550), ("15元", 1500), (" ¥ 15 ", 1500)])
    func moneyInEveryForm(_ text: String, _ fen: Int) {
        #expect(Quantity.fen(typed: text) == Int64(fen), "\(text)")
    }

    @Test(arguments: ["¥", "15.001", "abc", "", "$15"])
    func notMoney(_ text: String) {
        #expect(Quantity.fen(typed: text) == nil, "\(text)")
    }
}
