namespace NeuralPS.Core.Metrics;

/// <summary>Precision, recall and F1 of one class (one vs rest), and its support (samples whose true class it is).</summary>
public sealed record ClassMetrics(string Class, int Index, double Precision, double Recall, double F1, int Support, int Predicted);
