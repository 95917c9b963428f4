import Testing
@testable import SunsyncServer

/// The review page's chart: gridlines at whole, exact values, so a bar stands where its value reads.
@Suite struct ChartAxisTests {
    @Test(arguments: [(0.0, 1.0), (4.0, 1.0), (5.0, 2.0), (12.0, 3.0), (442.0, 150.0), (1_000.0, 250.0), (83_333.0, 25_000.0)])
    func stepsAreWholeAndTheTopHoldsTheLargestBar(_ largest: Double, _ step: Double) {
        #expect(ReviewViews.axisStep(largest) == step)
        #expect(4 * ReviewViews.axisStep(largest) >= largest)
    }

    @Test func anEmptyMonthReadsZeroToFourAndABarOfFourHoursReachesFour() {
        let empty = ReviewViews.chart([0, 0, 0], months: ["2024-01", "2024-02", "2024-03"], current: "2024-03")
        #expect(empty.gridlines.map(\.label) == ["0", "1", "2", "3", "4"])
        let four = ReviewViews.chart([0, 240], months: ["2024-02", "2024-03"], current: "2024-03")
        #expect(four.gridlines.map(\.label) == ["0", "1", "2", "3", "4"])
        #expect(four.bars[1].y == four.gridlines[4].y, "the 4 h bar's top is on the 4 line")
    }
}
