import Annotation
import Foundation
import Ranking

/// Reads a study's inputs as its settings name them: candidates and features (given, or
/// computed from text), the checked log, judgments and labels, and the labels of a judge run.
struct StudyInputLoading {
    var settings: StudySettings

    struct Loaded {
        var inputs: ObservedStudyInputs
        var features: [FeatureInfo]
        var judgeLabels: [LabelSource] = []
        var judgeAUC: [String: Double] = [:]
    }

    func load() throws -> Loaded {
        let s = settings
        let frequency: ObservedStudyInputs.Frequency = s.frequencies.map { .given($0) } ?? s.buckets.map { .buckets($0) } ?? .log
        if let data = s.data {
            let dataset = try DatasetFile.read(data)
            let features = try s.featureNames.map { try FeatureInfo.read($0, count: dataset.featureCount) }
                ?? (0..<dataset.featureCount).map { FeatureInfo("f\($0 + 1)", .queryDocument) }
            let inputs = try ObservedStudyInputs.load(candidates: dataset, candidatesFile: data, features: features, log: s.log!,
                                                      logFormat: s.logFormat, qrels: s.qrels!, frequency: frequency, labels: s.labelFiles)
            return Loaded(inputs: inputs, features: features)
        }
        // Text: BM25 candidates and famol's features, the embedded model's cosine among them.
        let collection = try TSVCollectionReader.read(documents: s.documents!, queries: s.queries!, qrels: nil)
        print("text: \(collection.documents.count) documents, \(collection.queries.count) queries; BM25 top-\(s.study.candidates) candidates")
        let embedding = try EmbeddingStudyJudge(settings: s.judging)
        let written = try CollectionFeatures.write(collection, k: s.study.candidates, to: s.out + "/features", extra: [embedding.semanticFeature])
        let dataset = try SVMLightReader.read(written[0])
        let features = FeatureExtractor.features + [EmbeddingStudyJudge.semanticFeature]
        let inputs = try ObservedStudyInputs.load(candidates: dataset, candidatesFile: written[0], features: features, log: s.log!,
                                                  logFormat: s.logFormat, qrels: s.qrels!, frequency: frequency, labels: s.labelFiles)
        var loaded = Loaded(inputs: inputs, features: features)
        let human = inputs.dataset.subset(inputs.judged).qrels
        switch s.judge {
        case .embedding:
            let (source, judgments) = try embedding.labels(collection: collection, dataset: dataset, shares: s.judging.judgeShares,
                                                           qrelsPath: s.out + "/judge.qrels")
            let auc = AnnotationRun.auc(judgments, reference: human)
            print(String(format: "judge labels: ROC AUC %.4f against the human judgments over the judged queries' candidates", auc))
            loaded.judgeLabels = [source]
            loaded.judgeAUC = ["embedding": auc]
        case .openai:
            (loaded.judgeLabels, loaded.judgeAUC) = try LLMStudyJudge(
                settings: s.judging.openai, workers: s.workers, collectionArguments: ["--documents", s.documents!, "--queries", s.queries!],
                maxQueries: nil).labels(candidatesFile: written[0], directory: s.out, reference: human)
        case nil: break
        }
        return loaded
    }
}
