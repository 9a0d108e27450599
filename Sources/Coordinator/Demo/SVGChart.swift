import Foundation

/// Small self-contained SVG charts for the HTML report (no scripts, no external files).
enum SVGChart {
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    struct Series {
        var name: String
        var values: [Double]
        /// Index into the palette, so that a method keeps its colour across charts.
        var color: Int
    }

    /// Grouped vertical bars: one group per category, one bar per series, values labelled.
    static func bars(categories: [String], series: [Series], yLabel: String, width: Int = 760, height: Int = 320) -> String {
        let left = 56.0, right = 12.0, top = 16.0, bottom = 40.0
        let plotW = Double(width) - left - right, plotH = Double(height) - top - bottom
        let all = series.flatMap(\.values).filter(\.isFinite)
        let (lo, hi) = niceRange(min: min(0, all.min() ?? 0), max: max(0, all.max() ?? 1))
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - lo) / (hi - lo)) }
        var svg = header(width, height, label: yLabel)
        svg += axes(left: left, top: top, plotW: plotW, plotH: plotH, lo: lo, hi: hi, yLabel: yLabel, y: y)
        let groupW = plotW / Double(max(categories.count, 1))
        let barW = groupW * 0.8 / Double(max(series.count, 1))
        for (c, category) in categories.enumerated() {
            let x0 = left + groupW * Double(c) + groupW * 0.1
            for (s, serie) in series.enumerated() where c < serie.values.count && serie.values[c].isFinite {
                let v = serie.values[c]
                let x = x0 + barW * Double(s)
                let (y0, y1) = (y(max(v, 0)), y(min(v, 0)))
                svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"><title>%@ — %@: %.4f</title></rect>\n",
                              x, y0, max(barW - 1, 1), max(y1 - y0, 0.5), palette[serie.color % palette.count], escape(serie.name), escape(category), v)
            }
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"tick\">%@</text>\n",
                          x0 + groupW * 0.4, top + plotH + 18, escape(category))
        }
        return svg + "</svg>\n" + legend(series)
    }

    /// Lines over a shared x axis (epochs), one per series.
    static func lines(series: [Series], xLabel: String, yLabel: String, width: Int = 760, height: Int = 320) -> String {
        let left = 56.0, right = 12.0, top = 16.0, bottom = 44.0
        let plotW = Double(width) - left - right, plotH = Double(height) - top - bottom
        let all = series.flatMap(\.values).filter(\.isFinite)
        let (lo, hi) = niceRange(min: all.min() ?? 0, max: all.max() ?? 1)
        let n = max(series.map(\.values.count).max() ?? 1, 2)
        func x(_ i: Int) -> Double { left + plotW * Double(i) / Double(n - 1) }
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - lo) / (hi - lo)) }
        var svg = header(width, height, label: yLabel)
        svg += axes(left: left, top: top, plotW: plotW, plotH: plotH, lo: lo, hi: hi, yLabel: yLabel, y: y)
        for i in stride(from: 0, to: n, by: max(1, n / 8)) {
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"tick\">%d</text>\n", x(i), top + plotH + 16, i + 1)
        }
        svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\">%@</text>\n", left + plotW / 2, Double(height) - 6, escape(xLabel))
        for serie in series {
            let points = serie.values.enumerated().filter { $0.element.isFinite }.map { String(format: "%.1f,%.1f", x($0.offset), y($0.element)) }
            svg += "<polyline fill=\"none\" stroke=\"\(palette[serie.color % palette.count])\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"><title>\(escape(serie.name))</title></polyline>\n"
        }
        return svg + "</svg>\n" + legend(series)
    }

    static func header(_ w: Int, _ h: Int, label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(w) \(h)\" width=\"\(w)\" height=\"\(h)\" role=\"img\" aria-label=\"\(escape(label))\">\n"
    }

    static func axes(left: Double, top: Double, plotW: Double, plotH: Double, lo: Double, hi: Double, yLabel: String, y: (Double) -> Double) -> String {
        var svg = ""
        let step = niceStep(hi - lo)
        for k in 0...Int(((hi - lo) / step).rounded()) {
            let v = lo + step * Double(k)
            svg += String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", left, left + plotW, y(v), y(v))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%@</text>\n", left - 6, y(v) + 4, trim(v))
        }
        svg += String(format: "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axisline\"/>\n", left, left + plotW, y(max(lo, 0)), y(max(lo, 0)))
        svg += String(format: "<text transform=\"translate(14,%.1f) rotate(-90)\" text-anchor=\"middle\" class=\"axis\">%@</text>\n", top + plotH / 2, escape(yLabel))
        return svg
    }

    static func legend(_ series: [Series]) -> String {
        "<div class=\"legend\">" + series.map { s in
            "<span><i style=\"background:\(palette[s.color % palette.count])\"></i>\(escape(s.name))</span>"
        }.joined() + "</div>\n"
    }

    /// A tick step of 1, 2 or 5 times a power of ten giving at most about 6 ticks.
    static func niceStep(_ span: Double) -> Double {
        let raw = span / 5
        let power = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 5, 10] where m * power >= raw - 1e-12 { return m * power }
        return 10 * power
    }

    /// A range whose ends are multiples of the tick step and that holds [min, max].
    static func niceRange(min lo: Double, max hi: Double) -> (Double, Double) {
        guard hi > lo else { return (lo - 0.5, hi + 0.5) }
        let step = niceStep(hi - lo)
        return (floor(lo / step + 1e-9) * step, ceil(hi / step - 1e-9) * step)
    }

    static func trim(_ v: Double) -> String {
        var s = String(format: "%.3f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
