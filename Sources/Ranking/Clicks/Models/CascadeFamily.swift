/// The scan-down recurrences shared by the cascade-family models (cascade, SDBN, DCM): the
/// user examines rank 1, and after rank r goes on with `continuation(r)` if it was clicked and
/// always if it was not.
enum CascadeFamily {
    /// P(C_r = 1) with nothing observed: E_r+1 = E_r (continuation(r) a_r + (1 - a_r)).
    static func full(_ s: ClickSessions.Session, attraction: (Int) -> Double, continuation: (Int) -> Double) -> [Double] {
        var exam = 1.0
        return (0..<s.count).map { r in
            let a = attraction(s.pairs[r])
            defer { exam *= continuation(r) * a + (1 - a) }
            return a * exam
        }
    }

    /// P(C_r = c_r | C_<r): after a click E_r+1 = continuation(r); after a skip the
    /// examination is updated by Bayes' rule.
    static func conditional(_ s: ClickSessions.Session, attraction: (Int) -> Double, continuation: (Int) -> Double) -> [Double] {
        var exam = 1.0
        return (0..<s.count).map { r in
            let a = attraction(s.pairs[r])
            if s.clicks[r] {
                defer { exam = continuation(r) }
                return a * exam
            }
            let p = 1 - a * exam
            exam *= (1 - a) / p
            return p
        }
    }
}
