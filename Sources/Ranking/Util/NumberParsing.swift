#if canImport(Glibc)
import Glibc
#endif

/// Parses a decimal integer from raw bytes; nil unless every byte is part of it.
func parseInt(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int? {
    guard !r.isEmpty else { return nil }
    var i = r.lowerBound
    var negative = false
    if buf[i] == 45 || buf[i] == 43 { negative = buf[i] == 45; i += 1 }
    guard i < r.upperBound else { return nil }
    var v = 0
    while i < r.upperBound {
        let d = Int(buf[i]) - 48
        guard d >= 0 && d <= 9 else { return nil }
        // Too many digits is "not an integer", never a wrapped-around one.
        let (times, o1) = v.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times.addingReportingOverflow(d)
        guard !o1 && !o2 else { return nil }
        v = sum
        i += 1
    }
    return negative ? -v : v
}

/// Parses a float from raw bytes with a fast path for plain decimals and `strtof` for the rest.
///
/// The fast path is exact for up to 7 significant digits and falls back otherwise, so results
/// equal `strtof`'s (correctly rounded) for everything it accepts.
func parseFloat(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Float? {
    guard !r.isEmpty else { return nil }
    var i = r.lowerBound
    var negative = false
    if buf[i] == 45 || buf[i] == 43 { negative = buf[i] == 45; i += 1 }
    var mantissa: Int64 = 0
    var digits = 0
    var scale = 0
    var sawDigit = false
    var fast = true
    while i < r.upperBound {
        let c = buf[i]
        if c >= 48 && c <= 57 {
            sawDigit = true
            if mantissa != 0 || c != 48 { digits += 1 }
            mantissa = mantissa &* 10 &+ Int64(c - 48)
            if scale > 0 { scale += 1 }
        } else if c == 46 && scale == 0 {
            scale = 1
        } else {
            fast = false
            break
        }
        i += 1
    }
    if fast && sawDigit && digits <= 7 {
        let exponent = scale > 0 ? scale - 1 : 0
        if exponent <= 10 {
            let v = Float(mantissa) / powersOfTen[exponent]
            return negative ? -v : v
        }
    }
    return parseFloatSlow(buf, r)
}

private let powersOfTen: [Float] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]

private func parseFloatSlow(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Float? {
    var tmp = [CChar](repeating: 0, count: r.count + 1)
    for (k, i) in r.enumerated() { tmp[k] = CChar(bitPattern: buf[i]) }
    return tmp.withUnsafeBufferPointer { p -> Float? in
        var endPtr: UnsafeMutablePointer<CChar>? = nil
        let v = strtof(p.baseAddress!, &endPtr)
        guard let endPtr, endPtr - UnsafeMutablePointer(mutating: p.baseAddress!) == r.count else { return nil }
        guard v.isFinite else { return nil }
        return v
    }
}
