import Testing
@testable import Ranking

@Suite struct BLASCoreTests {
    static let avx512 = Set(["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"])

    @Test func aFallbackCoreIsReplacedByTheBestTheFeaturesAllow() {
        #expect(BLASCore.decide(current: "Prescott", cpuFlags: Self.avx512, coretypeSet: false) == .use("SkylakeX"))
        #expect(BLASCore.decide(current: "Nehalem", cpuFlags: ["avx", "avx2", "fma"], coretypeSet: false) == .use("Haswell"))
        #expect(BLASCore.decide(current: "Core2", cpuFlags: ["sse4_2", "avx"], coretypeSet: false) == .use("Sandybridge"))
        // AVX-512 without VL (Knights Landing) is not SkylakeX.
        #expect(BLASCore.decide(current: "Prescott", cpuFlags: ["avx2", "fma", "avx512f", "avx512cd"], coretypeSet: false) == .use("Haswell"))
    }

    @Test func aKnownCoreAUsersChoiceAndAnOldCPUAreKept() {
        #expect(BLASCore.decide(current: "Haswell", cpuFlags: Self.avx512, coretypeSet: false) == .keep)
        #expect(BLASCore.decide(current: "Zen", cpuFlags: ["avx2", "fma"], coretypeSet: false) == .keep)
        #expect(BLASCore.decide(current: "Prescott", cpuFlags: Self.avx512, coretypeSet: true) == .keep)
        #expect(BLASCore.decide(current: "Prescott", cpuFlags: ["sse3"], coretypeSet: false) == .keep)
    }

    @Test func flagsAreReadFromTheFirstCPUOfCpuinfo() {
        let cpuinfo = "processor\t: 0\nmodel name\t: Xeon\nflags\t\t: fpu sse3 avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu\n"
        #expect(BLASCore.cpuFlags(cpuinfo: cpuinfo) == ["fpu", "sse3", "avx2", "fma"])
        #expect(BLASCore.cpuFlags(cpuinfo: "no flags here") == [])
    }
}
