#if canImport(Glibc)
import Glibc
#endif

/// Targets for label supervision: graded labels become gains `2^g - 1`.
public enum LabelTargets {
    public static func gains(_ labels: [Float]) -> [Double] {
        labels.map { $0 > 0 ? pow(2, Double($0)) - 1 : 0 }
    }
}
