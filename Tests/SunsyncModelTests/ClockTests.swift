import Testing
@testable import SunsyncModel

@Suite struct ClockTests {
    @Test func textAndBinaryEncodingsKeepIdOrder() {
        let ids = [
            OpID(timestamp: Timestamp(milliseconds: 1, counter: 0), replica: ReplicaID(UInt64.max)),
            OpID(timestamp: Timestamp(milliseconds: 1, counter: 1), replica: ReplicaID(0)),
            OpID(timestamp: Timestamp(milliseconds: 2, counter: 0), replica: ReplicaID(5)),
            OpID(timestamp: Timestamp(milliseconds: 2, counter: 0), replica: ReplicaID(6)),
            OpID(timestamp: Timestamp(milliseconds: Timestamp.maxMilliseconds, counter: .max), replica: ReplicaID(1)),
        ]
        for (a, b) in zip(ids, ids.dropFirst()) {
            #expect(a < b)
            #expect(a.description < b.description)
            #expect(a.bytes.lexicographicallyPrecedes(b.bytes))
        }
        for id in ids {
            #expect(OpID(id.description) == id)
            #expect(OpID(bytes: id.bytes) == id)
        }
        #expect(OpID(timestamp: Timestamp(milliseconds: 1_709_510_400_000, counter: 1), replica: ReplicaID(0xa1)).description
            == "018e06c29800-0001-00000000000000a1")
    }

    @Test(arguments: ["", "018e0b4a5c00-0001-00000000000000A1", "018e0b4a5c00_0001_00000000000000a1", "018e0b4a5c00-0001-00000000000000a"])
    func malformedIdsAreRefused(_ text: String) {
        #expect(OpID(text) == nil)
    }

    @Test func clockNeverGoesBackwardsWhenTheWallClockDoes() {
        var clock = HybridClock()
        let a = clock.next(wallMilliseconds: 1_000)
        let b = clock.next(wallMilliseconds: 900)
        let c = clock.next(wallMilliseconds: 1_000)
        let d = clock.next(wallMilliseconds: 1_001)
        #expect(a < b && b < c && c < d)
        #expect(d == Timestamp(milliseconds: 1_001, counter: 0))
    }

    @Test func observingARemoteIdMovesTheClockPastIt() {
        var clock = HybridClock()
        clock.observe(Timestamp(milliseconds: 5_000, counter: 7))
        let next = clock.next(wallMilliseconds: 1_000)
        #expect(next == Timestamp(milliseconds: 5_000, counter: 8))
        clock.observe(Timestamp(milliseconds: 10, counter: 0)) // an older id changes nothing
        #expect(clock.next(wallMilliseconds: 1_000) == Timestamp(milliseconds: 5_000, counter: 9))
    }

    @Test func counterOverflowCarriesIntoMilliseconds() {
        var clock = HybridClock(last: Timestamp(milliseconds: 7, counter: .max))
        #expect(clock.next(wallMilliseconds: 1) == Timestamp(milliseconds: 8, counter: 0))
    }
}
