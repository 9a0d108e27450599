import Foundation
import Testing
@testable import Ranking

@Suite struct SoftmaxRowsTests {
    /// Rows of 5, 16 and 37 columns (no lanes, lanes only, lanes and a tail) against softmax in Double.
    @Test(arguments: [5, 16, 37])
    func eachRowIsTheSoftmaxOfItsScores(columns: Int) {
        let rows = 3
        var values = (0..<(rows * columns)).map { i in Float(sin(Double(i) * 1.7) * 9) }
        values[columns - 1] = 40  // the maximum in the tail of row 0
        let reference = values
        values.withUnsafeMutableBufferPointer { FastMath.softmaxRows($0.baseAddress!, rows: rows, columns: columns) }
        for r in 0..<rows {
            let row = reference[(r * columns)..<((r + 1) * columns)].map(Double.init)
            let m = row.max()!
            let z = row.reduce(0) { $0 + Foundation.exp($1 - m) }
            for c in 0..<columns {
                #expect(abs(Double(values[r * columns + c]) - Foundation.exp(row[c] - m) / z) < 1e-6)
            }
        }
    }
}
