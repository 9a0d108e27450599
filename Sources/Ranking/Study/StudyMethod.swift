/// The part of the study a trained model belongs to.
public enum StudySection: String, Sendable, Codable, CaseIterable {
    /// Every supervision mode on all features.
    case main
    /// Click and label supervision on one feature group.
    case ablation
    /// Trained and tested with true negatives added.
    case trueNegatives = "true-negatives"
    /// Label supervision from each annotation strategy.
    case strategies
}

/// One trained model of the study: supervision, features, data variant and label source.
public struct StudyMethod: Sendable, Equatable {
    public var name: String
    public var section: StudySection
    public var objective: ObjectiveSpec
    public var features: FeatureSelection
    public var trueNegatives: Bool
    /// Index into the study's label sources (0 = the primary one).
    public var labelSource: Int

    public init(name: String, section: StudySection, objective: ObjectiveSpec, features: FeatureSelection = .all,
                trueNegatives: Bool = false, labelSource: Int = 0) {
        self.name = name
        self.section = section
        self.objective = objective
        self.features = features
        self.trueNegatives = trueNegatives
        self.labelSource = labelSource
    }

    /// A file-system-safe name.
    public var slug: String {
        String(name.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
            .split(separator: "-").joined(separator: "-")
    }

    public static let clicksName = "clicks (DLA)"
    public static let labelsName = "labels"

    /// The study's models for a configuration and its label sources.
    public static func plan(_ config: StudyConfig, labelSources: [LabelSource], smooth: FamolWeighting) -> [StudyMethod] {
        func objective(_ supervision: Supervision, _ edit: (inout ObjectiveSpec) -> Void = { _ in }) -> ObjectiveSpec {
            var o = ObjectiveSpec()
            o.supervision = supervision
            o.clickEstimator = .dla
            o.weighting = config.famolBands
            o.schedule = Schedule(clicksFirst: true, firstStageEpochs: config.scheduleFirstStageEpochs)
            edit(&o)
            return o
        }
        let clicks = objective(.clicks), labels = objective(.labels), famol = objective(.famol)
        var plan = [
            StudyMethod(name: clicksName, section: .main, objective: clicks),
            StudyMethod(name: labelsName, section: .main, objective: labels),
            StudyMethod(name: "schedule clicks->labels", section: .main, objective: objective(.schedule)),
            StudyMethod(name: "schedule labels->clicks", section: .main, objective: objective(.schedule) { $0.schedule.clicksFirst = false }),
            StudyMethod(name: "FAMOL (bands)", section: .main, objective: famol),
            StudyMethod(name: "FAMOL (smooth)", section: .main, objective: objective(.famol) { $0.weighting = smooth }),
        ]
        if config.ablation {
            for (name, o) in [(clicksName, clicks), (labelsName, labels)] {
                for f in [FeatureSelection.queryDocument, .document] {
                    plan.append(StudyMethod(name: "\(name) [\(f.rawValue) features]", section: .ablation, objective: o, features: f))
                }
            }
        }
        if config.trueNegatives > 0 {
            for (name, o) in [(clicksName, clicks), (labelsName, labels), ("FAMOL (bands)", famol)] {
                plan.append(StudyMethod(name: "\(name) + true negatives", section: .trueNegatives, objective: o, trueNegatives: true))
            }
        }
        if labelSources.count > 1 {
            for (i, source) in labelSources.enumerated() {
                plan.append(StudyMethod(name: "labels [\(source.name)]", section: .strategies, objective: labels, labelSource: i))
            }
        }
        return plan
    }
}
