import Foundation
import SunsyncModel
import SunsyncProtocol
import Testing

/// The wire types pinned to the JSON of protocol/SPEC.md §9.
@Suite struct WireTests {
    func json(_ value: some Encodable) throws -> String { String(decoding: try Wire.encoder().encode(value), as: UTF8.self) }

    @Test func pushAnswerMatchesTheSpec() throws {
        let answer = PushResponse(accepted: ["018e06c29be8-0000-00000000000000a1"],
                                  rejected: [.init(id: "018e06c29be8-0001-00000000000000a1", code: "forbidden", reason: "x")])
        let text = try json(answer)
        #expect(text == #"{"accepted":["018e06c29be8-0000-00000000000000a1"],"rejected":[{"code":"forbidden","id":"018e06c29be8-0001-00000000000000a1","reason":"x"}]}"#)
        #expect(try Wire.decoder().decode(PushResponse.self, from: Data(text.utf8)) == answer)
    }

    @Test func sessionAndPullMatchTheSpec() throws {
        let session = SessionInfo(deviceId: "dev_1", deviceName: "莘庄-笔记本1", role: "staff", org: "MH-SB-001", district: nil,
                                  orgs: ["MH-SB-001"], serverTime: 1_709_510_400_000, protocolVersion: 1, epoch: "5f0c2a9e81d4b736")
        #expect(try json(session) == #"{"device_id":"dev_1","device_name":"莘庄-笔记本1","epoch":"5f0c2a9e81d4b736","org":"MH-SB-001","orgs":["MH-SB-001"],"protocol_version":1,"role":"staff","server_time":1709510400000}"#)
        // An older server sends no epoch.
        let older = #"{"device_id":"dev_1","device_name":"x","role":"staff","server_time":1,"protocol_version":1}"#
        #expect(try Wire.decoder().decode(SessionInfo.self, from: Data(older.utf8)).epoch == nil)
        let op = Op(id: OpID("018e06c29be8-0000-00000000000000a1")!, collection: .hours, record: "MH-SB-001/ad70a1271ab25a67e712/2024-03-04",
                    field: "minutes", value: .integer(240))
        let page = PullResponse(ops: [op], cursor: 48213, more: true)
        let text = try json(page)
        #expect(text == #"{"cursor":48213,"more":true,"ops":[{"collection":"hours","field":"minutes","id":"018e06c29be8-0000-00000000000000a1","pred":[],"record":"MH-SB-001/ad70a1271ab25a67e712/2024-03-04","value":240}]}"#)
        #expect(try Wire.decoder().decode(PullResponse.self, from: Data(text.utf8)).ops == [op])
    }

    @Test func rulesAndTheDeviceDirectoryMatchTheSpec() throws {
        let rules = Rules(weeklyLimitMinutes: [.init(from: "1900-01-01", value: 1440)],
                          lunchRates: ["MH-SB-001": [.init(from: "2024-01-01", value: 1500)]])
        let session = SessionInfo(deviceId: "dev_1", deviceName: "x", role: "staff", org: "MH-SB-001", district: nil, orgs: ["MH-SB-001"],
                                  serverTime: 1, protocolVersion: 1, orgName: "莘庄镇阳光基地", rules: rules)
        #expect(try json(session) == #"{"device_id":"dev_1","device_name":"x","org":"MH-SB-001","org_name":"莘庄镇阳光基地","orgs":["MH-SB-001"],"protocol_version":1,"role":"staff","rules":{"lunch_rates":{"MH-SB-001":[{"from":"2024-01-01","value":1500}]},"retirement":{"female":{"base_years":50,"months_per_step":2,"target_years":55},"male":{"base_years":60,"months_per_step":4,"target_years":63},"minimum_age":16,"rise_from":"2025-01-01"},"weekly_limit_minutes":[{"from":"1900-01-01","value":1440}]},"server_time":1}"#)
        #expect(try Wire.decoder().decode(SessionInfo.self, from: try Wire.encoder().encode(session)) == session)
        // Rules from a server that sets only some of them: the rest are the defaults.
        let partial = try Wire.decoder().decode(Rules.self, from: Data(#"{"lunch_rates":{}}"#.utf8))
        #expect(partial == Rules())
        let directory = DeviceDirectory(devices: [.init(replica: "00000000000000a1", device: "laptop-a", role: "staff", org: "MH-SB-001", district: nil)])
        #expect(try json(directory) == #"{"devices":[{"device":"laptop-a","org":"MH-SB-001","replica":"00000000000000a1","role":"staff"}]}"#)
        #expect(directory.devices[0].label == "laptop-a · MH-SB-001")
    }

    @Test func aPushReadsEachOpOnItsOwn() throws {
        let body = #"{"ops":[{"id":"bad"},{"id":"018e06c29be8-0000-00000000000000a1","collection":"hours","record":"r","field":"minutes","value":1}]}"#
        let push = try Wire.decoder().decode(PushRequest.self, from: Data(body.utf8))
        #expect(push.ops.count == 2)
        guard case .failure(let error) = push.ops[0].result else { Issue.record("the bad op was read"); return }
        #expect(error.code == .invalidOpID && push.ops[0].id == "bad")
        #expect((try? push.ops[1].result.get())?.field == "minutes")
    }

    @Test func gzipRoundTripsAndRefusesBombs() throws {
        let text = Data(String(repeating: "018e06c29be8-0000-00000000000000a1 张三 ", count: 10_000).utf8)
        let packed = try Gzip.compress(text)
        #expect(Gzip.isGzip(packed) && packed.count < text.count / 20)
        #expect(try Gzip.decompress(packed, limit: text.count) == text)
        #expect(throws: Gzip.Error.self) { try Gzip.decompress(packed, limit: text.count - 1) }
        #expect(throws: Gzip.Error.self) { try Gzip.decompress(packed.prefix(packed.count / 2), limit: text.count) }
        #expect(throws: Gzip.Error.self) { try Gzip.decompress(Data("not gzip at all".utf8), limit: 100) }
    }
}

@Suite struct PageWriterTests {
    @Test func handWrittenPagesAreByteForByteWhatJSONEncoderWrites() throws {
        let tricky = ["张三 \"引号\" back\\slash", "line\nbreak\ttab\r\u{08}\u{0C}", "ctrl \u{01}\u{1F} del \u{7F}", "a/b/c", "emoji 🙂", ""]
        var ops = [Op]()
        var ms: UInt64 = 1_709_510_400_000
        for (i, text) in tricky.enumerated() {
            ms += 1
            let id = OpID(timestamp: Timestamp(milliseconds: ms, counter: UInt16(i)), replica: ReplicaID(0xa1))
            let values: [Value] = [.text(text), .integer(-42), .bool(i % 2 == 0), .null, .date(CivilDate("2024-02-29")!)]
            ops.append(Op(id: id, collection: .hours, record: "MH-SB-001/ad70a1271ab25a67e712/2024-03-04", field: "note",
                          value: values[i % values.count], pred: i == 0 ? [] : [ops[i - 1].id]))
            ops.append(Op(id: OpID(timestamp: id.timestamp, replica: ReplicaID(0xb2)), collection: .participants,
                          record: "MH-SB-001/ad70a1271ab25a67e712", field: "name", value: .text(text)))
        }
        for more in [true, false] {
            let expected = try Wire.encoder().encode(PullResponse(ops: ops, cursor: 9_000_000_001, more: more))
            let written = PageWriter.pullResponse(ops: ops, cursor: 9_000_000_001, more: more)
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
            #expect(try Wire.decoder().decode(PullResponse.self, from: written).ops == ops)
        }
        #expect(PageWriter.pullResponse(ops: [], cursor: 0, more: false) == (try Wire.encoder().encode(PullResponse(ops: [], cursor: 0, more: false))))
    }
}

@Suite struct PageReaderTests {
    @Test func readsWhatPageWriterWritesAndDeclinesAnythingElse() throws {
        var ops = [Op]()
        let texts = ["张三 \"引号\" back\\slash", "line\nbreak\ttab\r\u{08}\u{0C}", "ctrl \u{01}\u{1F} del \u{7F}", "a/b/c", "emoji 🙂", ""]
        for (i, text) in texts.enumerated() {
            let id = OpID(timestamp: Timestamp(milliseconds: 1_709_510_400_000 + UInt64(i), counter: 0), replica: ReplicaID(0xa1))
            let values: [Value] = [.text(text), .integer(-42), .bool(true), .null, .date(CivilDate("2024-02-29")!), .integer(Int64.max)]
            ops.append(Op(id: id, collection: .lunches, record: "MH-SB-001/ad70a1271ab25a67e712/2024-03-04", field: "note",
                          value: values[i], pred: ops.last.map { [$0.id] } ?? []))
            ops.append(Op(id: OpID(timestamp: id.timestamp, replica: ReplicaID(0xb2)), collection: .participants,
                          record: "MH-SB-001/ad70a1271ab25a67e712", field: text.isEmpty ? "name" : "cert", value: .text(text)))
        }
        let page = PageWriter.pullResponse(ops: ops, cursor: 77, more: true)
        let read = try #require(PageReader.pullResponse(page))
        #expect(read.ops == ops && read.cursor == 77 && read.more)
        #expect(PageReader.pullResponse(PageWriter.pullResponse(ops: [], cursor: 0, more: false))?.ops.isEmpty == true)
        // JSONEncoder's escapes that PageWriter never writes are still read.
        let escaped = Data(#"{"cursor":1,"more":false,"ops":[{"collection":"hours","field":"note","id":"018e06c29be8-0000-00000000000000a1","pred":[],"record":"r","value":"\u5f20\ud83d\ude42\/"}]}"#.utf8)
        #expect(PageReader.pullResponse(escaped)?.ops.first?.value == .text("张🙂/"))
        // Other layouts are declined (the client then uses JSONDecoder), never misread.
        for other in [#"{"more":false,"cursor":1,"ops":[]}"#, #"{ "cursor":1,"more":false,"ops":[]}"#,
                      #"{"cursor":1,"more":false,"ops":[]} "#, #"{"cursor":1.5,"more":false,"ops":[]}"#,
                      #"{"cursor":99999999999999999999,"more":false,"ops":[]}"#, #"{"cursor":1,"more":false,"ops":[{"collection":"payments"}]}"#,
                      String(decoding: page.prefix(page.count - 1), as: UTF8.self)] {
            #expect(PageReader.pullResponse(Data(other.utf8)) == nil, "\(other.prefix(60))")
        }
    }
}

/// The wire vectors in protocol/vectors/wire: each document decodes, says what it should, and encodes
/// back to the same JSON.
@Suite struct WireVectorTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../protocol/vectors/wire").standardized

    func load(_ name: String) throws -> (json: Data, expect: [String: Any]) {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (try JSONSerialization.data(withJSONObject: try #require(object["json"])), try #require(object["expect"] as? [String: Any]))
    }

    func sameJSON(_ a: Data, _ b: Data) throws -> Bool {
        try (JSONSerialization.jsonObject(with: a) as? NSDictionary) == (JSONSerialization.jsonObject(with: b) as? NSDictionary)
    }

    @Test func sessionWithRules() throws {
        let (json, expect) = try load("session-with-rules.json")
        let session = try Wire.decoder().decode(SessionInfo.self, from: json)
        let rules = try #require(session.rules)
        for (day, minutes) in try #require(expect["weekly_limit_on"] as? [String: Int]) {
            #expect(rules.weeklyLimit(week: try #require(CivilDate(day))) == Int64(minutes))
        }
        for (day, fen) in try #require(expect["lunch_rate_on"] as? [String: Any]) {
            #expect(rules.lunchRate(org: "MH-SB-001", on: try #require(CivilDate(day))) == (fen as? Int).map(Int64.init), "\(day)")
        }
        // The person-key secret: HMAC-SHA-256 under it, as a second implementation computed (SPEC §1).
        let secret = try #require(session.personSecret)
        let keys = try #require(PersonKeys(hex: secret))
        for (id, key) in try #require(expect["person_key"] as? [String: String]) {
            #expect(keys.key(try ResidentID(validating: id)) == key)
        }
        #expect(try sameJSON(try Wire.encoder().encode(session), json))
    }

    @Test func deviceDirectory() throws {
        let (json, expect) = try load("device-directory.json")
        let directory = try Wire.decoder().decode(DeviceDirectory.self, from: json)
        let labels = Dictionary(uniqueKeysWithValues: directory.devices.map { ($0.replica, $0.label) })
        #expect(labels == (expect["labels"] as? [String: String]))
        #expect(try sameJSON(try Wire.encoder().encode(directory), json))
    }
}

@Suite struct PullCountTests {
    @Test func aPageWithRemainingIsWrittenAndReadAsTheEncoderDoes() throws {
        let op = Op(id: OpID("018e06c29be8-0000-00000000000000a1")!, collection: .hours, record: "MH-SB-001/ad70a1271ab25a67e712/2024-03-04",
                    field: "minutes", value: .integer(240))
        for remaining in [nil, 0, 1_000_150] as [Int64?] {
            let page = PullResponse(ops: [op], cursor: 7, more: true, remaining: remaining)
            let written = PageWriter.pullResponse(ops: [op], cursor: 7, more: true, remaining: remaining)
            #expect(written == (try Wire.encoder().encode(page)), "\(String(describing: remaining))")
            let read = try #require(PageReader.pullResponse(written))
            #expect(read.remaining == remaining && read.ops == [op] && read.cursor == 7)
        }
    }
}

/// The server reads pushes with `PageReader` where their layout is `Wire.encoder`'s, JSONDecoder otherwise:
/// both must read every push alike, and the fast reader must decline what JSONDecoder refuses.
@Suite struct PushReaderTests {
    static func same(_ a: PushRequest, _ b: PushRequest) -> Bool {
        a.batch == b.batch && a.ops.count == b.ops.count && zip(a.ops, b.ops).allSatisfy { x, y in
            x.id == y.id && (try? x.result.get()) == (try? y.result.get()) && (try? x.result.get()) != nil
        }
    }

    @Test func readsWhatTheClientSendsAsJSONDecoderDoes() throws {
        var ops = [Op]()
        let texts = ["张三 \"引号\" back\\slash", "line\nbreak\ttab\r\u{08}\u{0C}", "ctrl \u{01}\u{1F} del \u{7F}", "a/b/c", "emoji 🙂", ""]
        let values: [Value] = [.text("x"), .integer(-42), .bool(false), .null, .date(CivilDate("2024-02-29")!), .integer(Int64.min)]
        for (i, text) in texts.enumerated() {
            let id = OpID(timestamp: Timestamp(milliseconds: 1_709_510_400_000 + UInt64(i), counter: UInt16(i)), replica: ReplicaID(0xa1))
            ops.append(Op(id: id, collection: .hours, record: "MH-SB-001/ad70a1271ab25a67e712/2024-03-04", field: "note", value: .text(text),
                          pred: ops.suffix(2).map(\.id)))
            ops.append(Op(id: OpID(timestamp: id.timestamp, replica: ReplicaID(0xb2)), collection: .lunches,
                          record: "MH-SB-001/ad70a1271ab25a67e712/2024-03-0\(i + 1)", field: "meals", value: values[i]))
        }
        let signed = try PushRequest(signing: ops, key: "k1", privateKey: Array(repeating: 7, count: 32))
        for request in [signed, PushRequest(ops: ops), PushRequest(ops: []), PushRequest(ops: [], batch: signed.batch)] {
            let data = try Wire.encoder().encode(request)
            let fast = try #require(PageReader.pushRequest(data), "\(String(decoding: data.prefix(80), as: UTF8.self))")
            #expect(Self.same(fast, try Wire.decoder().decode(PushRequest.self, from: data)))
        }
    }

    @Test func declinesWhatItDoesNotKnowAndNeverMisreads() throws {
        let op = #"{"collection":"hours","field":"minutes","id":"018e06c29be8-0000-00000000000000a1","pred":[],"record":"r","value":240}"#
        #expect(PageReader.pushRequest(Data(#"{"ops":[\#(op)]}"#.utf8))?.ops.count == 1)
        for other in [#"{"ops":[\#(op)],"batch":{"key":"k","signature":"s"}}"#,                // another key order
                      #"{ "ops":[]}"#, #"{"ops":[]} "#, #"{"ops":[]"#,                              // white space, cut
                      #"{"ops":[\#(op.replacingOccurrences(of: "240", with: "2.5"))]}"#,        // not an integer
                      #"{"ops":[\#(op.replacingOccurrences(of: "hours", with: "payments"))]}"#, // an unknown collection
                      #"{"ops":[\#(op.replacingOccurrences(of: "-0000-", with: "-00G0-"))]}"#,  // not an op id
                      #"{"ops":[\#(op)],"extra":1}"#, #"{"batch":{"key":"k"},"ops":[]}"#] {
            #expect(PageReader.pushRequest(Data(other.utf8)) == nil, "\(other.prefix(70))")
        }
        // Not UTF-8: declined, so JSONDecoder says why.
        var bytes = Array(#"{"ops":[\#(op.replacingOccurrences(of: "\"r\"", with: "\"rX\""))]}"#.utf8)
        if let at = bytes.firstIndex(of: UInt8(ascii: "X")) { bytes[at] = 0xFF }
        #expect(PageReader.pushRequest(Data(bytes)) == nil)
    }
}
