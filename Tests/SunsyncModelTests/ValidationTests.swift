import Foundation
import Testing
@testable import SunsyncModel

@Suite struct ValidationTests {
    @Test(arguments: ["11010519491231002X", "440524188001010014", "11010519491231002x"])
    func realResidentIDsAreAccepted(_ text: String) throws {
        let id = try ResidentID(validating: text)
        #expect(id.text == text.uppercased())
    }

    @Test func residentIDPartsAreRead() throws {
        let woman = try ResidentID(validating: "11010519491231002X")
        #expect(woman.birthDate == CivilDate(year: 1949, month: 12, day: 31))
        #expect(!woman.isMale)
        #expect(try ResidentID(validating: "440524188001010014").isMale)
        #expect(woman.masked == "110105********002X")
    }

    @Test(arguments: [
        ("11010519491231002", "17 characters"),
        ("11010519491231002Y", "check character"),
        ("110105194912310021", "check character"),
        ("11010519490231002X", "birth date"),
        ("1101051949123A002X", "character 14"),
    ])
    func wrongResidentIDsSayWhatIsWrong(_ text: String, _ says: String) {
        #expect {
            try ResidentID(validating: text)
        } throws: { error in
            guard let error = error as? ModelError else { return false }
            return error.code == .invalidResidentID && error.message.contains(says)
        }
    }

    @Test func certificateNumbersCarryCategoryLevelAndReissue() throws {
        let cert = try CertificateNumber(validating: "11010519491231002X52")
        #expect(cert.category == .intellectual && cert.category.chinese == "智力")
        #expect(cert.level == 2 && cert.reissue == 0)
        let reissued = try CertificateNumber(validating: "11010519491231002X63B2")
        #expect(reissued.reissue == 2 && reissued.category == .psychiatric)
        let keys = PersonKeys.random()
        #expect(keys.key(cert.residentID) == keys.key(reissued.residentID))
    }

    @Test(arguments: [
        ("11010519491231002X", "20"),           // no category and level
        ("11010519491231002X02", "category"),
        ("11010519491231002X85", "category"),
        ("11010519491231002X50", "level"),
        ("11010519491231002X55", "level"),
        ("11010519491231002X52C1", "reissue"),
        ("11010519491231002X52B", "reissue"),
        ("11010519491231002Y52", "check character"),
    ])
    func wrongCertificatesSayWhichPartIsWrong(_ text: String, _ says: String) {
        #expect {
            try CertificateNumber(validating: text)
        } throws: { error in
            guard let error = error as? ModelError else { return false }
            return error.code == .invalidCertificate && error.message.contains(says)
        }
    }

    @Test func datesMustExist() {
        #expect(CivilDate("2024-02-29") != nil)
        #expect(CivilDate("2023-02-29") == nil)
        #expect(CivilDate("2024-04-31") == nil)
        #expect(CivilDate("2024-4-1") == nil)
        #expect(CivilDate("1900-02-29") == nil)
        #expect(CivilDate("2000-02-29") != nil)
        let d = CivilDate("2024-03-10")!
        #expect(d.isoWeekday == 7 && d.weekStart.description == "2024-03-04")
        #expect(CivilDate("1970-01-01")!.dayNumber == 0)
        for n in stride(from: -719_000, through: 2_900_000, by: 997) {
            let date = CivilDate(dayNumber: Int32(n))
            #expect(CivilDate(date.description) == date)
        }
    }

    @Test func agesCountWholeYears() {
        let birth = CivilDate("1990-03-15")!
        #expect(birth.age(on: CivilDate("2024-03-14")!) == 33)
        #expect(birth.age(on: CivilDate("2024-03-15")!) == 34)
    }

    @Test(arguments: [("3.5", 210), ("3", 180), ("3h30m", 210), ("210m", 210), ("0.25", 15), ("8h", 480), (" 4 ", 240)])
    func hoursAreReadAsPeopleWriteThem(_ text: String, _ minutes: Int64) {
        #expect(Quantity.minutes(from: text) == minutes)
    }

    @Test(arguments: ["", "abc", "3.51", "3h70", "h", "3.5.1", "3,5"])
    func nonsenseHoursAreRefused(_ text: String) {
        #expect(Quantity.minutes(from: text) == nil)
    }

    @Test func quantitiesPrintAsTheyAreRead() {
        #expect(Quantity.hours(210) == "3.5" && Quantity.hours(180) == "3" && Quantity.hours(200) == "3h20m")
        #expect(Quantity.fen(fromYuan: "15") == 1500 && Quantity.fen(fromYuan: "15.5") == 1550)
        #expect(Quantity.fen(fromYuan: "15.005") == nil && Quantity.fen(fromYuan: "-2") == -200)
        #expect(Quantity.yuan(1550) == "15.50" && Quantity.yuan(5) == "0.05")
        for m in Int64(0)...1440 { #expect(Quantity.minutes(from: Quantity.hours(m)) == m) }
    }

    @Test func sha256MatchesFIPSVectors() {
        #expect(Hex.encode(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func opsRoundTripThroughJSON() throws {
        let op = Op(id: OpID("018e06c29800-0001-00000000000000a1")!, collection: .hours,
                    record: "MH-SB-001/00000000000000000001/2024-03-04", field: "note", value: .date(CivilDate("2024-03-04")!),
                    pred: [OpID("018e06c29800-0000-00000000000000a1")!])
        let data = try JSONEncoder().encode(op)
        #expect(try JSONDecoder().decode(Op.self, from: data) == op)
        for value: Value in [.null, .bool(true), .integer(-5), .text("张三"), .text("2024-03-04")] {
            #expect(try JSONDecoder().decode(Value.self, from: JSONEncoder().encode(value)) == value)
        }
    }
}
