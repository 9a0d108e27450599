/// The part of the study a trained model belongs to.
public enum StudySection: String, Sendable, Codable, CaseIterable {
    /// Every supervision mode on all features.
    case main
    /// Click and label supervision on one feature group.
    case ablation
    /// Label supervision from each annotation strategy.
    case strategies
    /// Trained with true negatives added to every list (label 0, never shown).
    case negatives
}

/// Where an arm's training labels come from.
public enum ArmLabels: Sendable, Equatable {
    /// The judge (label source index; 0 = the primary one).
    case judge(Int)
    /// The gold judgments that evaluate: only the oracle arm.
    case gold
}

/// One arm of the study: supervision, features and label source.
public struct StudyMethod: Sendable, Equatable {
    public var name: String
    public var section: StudySection
    public var objective: ObjectiveSpec
    public var features: FeatureSelection
    public var labels: ArmLabels
    /// IPS with the simulation's own examination curve (a reference, not a method).
    public var truePropensities: Bool
    /// The kind of true negatives added to its training lists, if any.
    public var negatives: String?

    public init(name: String, section: StudySection, objective: ObjectiveSpec, features: FeatureSelection = .all,
                labels: ArmLabels = .judge(0), truePropensities: Bool = false, negatives: String? = nil) {
        self.name = name
        self.section = section
        self.objective = objective
        self.features = features
        self.labels = labels
        self.truePropensities = truePropensities
        self.negatives = negatives
    }

    /// The arms also scored on lists with each kind of negatives, next to those trained with
    /// them (BM25 is scored on every list anyway).
    public static let scoredOnNegatives: Set<String> = [oracleName, clicksName, labelsName, famolName]

    /// A file-system-safe name.
    public var slug: String {
        String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
            .split(separator: "-").joined(separator: "-")
    }

    public static let oracleName = "oracle (human labels)"
    public static let clicksName = "clicks (DLA)"
    public static let labelsName = "labels"
    public static let famolName = "FAMOL (bands)"
    public static let reversedName = "FAMOL (reversed)"

    /// The study's arms. `control` plans the negative control's: the oracle and the two
    /// single sources, which its interaction test compares. An `observed` world (a user's own
    /// log) has no true propensities, so no arm that needs them.
    public static func plan(_ config: StudyConfig, labelSources: [String], smooth: FamolWeighting, control: Bool = false,
                            negatives: [String] = [], observed: Bool = false) -> [StudyMethod] {
        func objective(_ supervision: Supervision, _ edit: (inout ObjectiveSpec) -> Void = { _ in }) -> ObjectiveSpec {
            var o = ObjectiveSpec()
            o.supervision = supervision
            o.clickEstimator = .dla
            o.weighting = config.famolBands
            o.schedule = Schedule(clicksFirst: true, firstStageEpochs: config.scheduleFirstStageEpochs)
            if config.studyProtocol == .transductive { o.pairTerms = config.pairTerms }
            edit(&o)
            return o
        }
        let clicks = objective(.clicks), labels = objective(.labels)
        let oracle = StudyMethod(name: oracleName, section: .main, objective: labels, labels: .gold)
        if control {
            return [oracle, StudyMethod(name: clicksName, section: .main, objective: clicks),
                    StudyMethod(name: labelsName, section: .main, objective: labels)]
        }
        var reversed = config.famolBands
        if case let .bands(high, mid, low) = config.famolBands { reversed = .bands(high: low, mid: mid, low: high) }
        var plan = [
            oracle,
            StudyMethod(name: "clicks (naive)", section: .main, objective: objective(.clicks) { $0.clickEstimator = .naive }),
            StudyMethod(name: "clicks (IPS, true propensities)", section: .main, objective: objective(.clicks) { $0.clickEstimator = .ips },
                        truePropensities: true),
            StudyMethod(name: clicksName, section: .main, objective: clicks),
            StudyMethod(name: labelsName, section: .main, objective: labels),
            StudyMethod(name: "uniform mix", section: .main, objective: objective(.famol) { $0.weighting = .bands(high: 0.5, mid: 0.5, low: 0.5) }),
            StudyMethod(name: "schedule clicks->labels", section: .main, objective: objective(.schedule)),
            StudyMethod(name: "schedule labels->clicks", section: .main, objective: objective(.schedule) { $0.schedule.clicksFirst = false }),
            StudyMethod(name: famolName, section: .main, objective: objective(.famol)),
            StudyMethod(name: "FAMOL (smooth)", section: .main, objective: objective(.famol) { $0.weighting = smooth }),
            StudyMethod(name: reversedName, section: .main, objective: objective(.famol) { $0.weighting = reversed }),
        ]
        if observed { plan.removeAll { $0.truePropensities } }
        if config.ablation {
            for (name, o) in [(clicksName, clicks), (labelsName, labels)] {
                for f in [FeatureSelection.queryDocument, .document] {
                    plan.append(StudyMethod(name: "\(name) [\(f.rawValue) features]", section: .ablation, objective: o, features: f))
                }
            }
        }
        for kind in negatives {
            for (name, o) in [(labelsName, labels), (famolName, objective(.famol))] {
                plan.append(StudyMethod(name: "\(name) + \(kind)", section: .negatives, objective: o, negatives: kind))
            }
        }
        if labelSources.count > 1 {
            for (i, source) in labelSources.enumerated() {
                plan.append(StudyMethod(name: "labels [\(source)]", section: .strategies, objective: labels, labels: .judge(i)))
            }
        }
        return plan
    }
}
