using System.Collections;
using System.Globalization;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>-ClassWeight as the user writes it: 'Balanced'; a list of numbers, one per class in class-id
/// order; or a hashtable from class name to weight (classes not named get 1). Resolved against the
/// training data's class names once they are known.</summary>
internal static class ClassWeightParser
{
    public const string Balanced = "Balanced";

    /// <summary>(weights, balanced): at most one is set; (null, false) when <paramref name="value"/> is null.</summary>
    public static (IReadOnlyList<double>? Weights, bool Balanced) Resolve(object? value, IReadOnlyList<string>? classNames)
    {
        switch (value)
        {
            case null:
                return (null, false);
            case string s when s.Trim().Equals(Balanced, StringComparison.OrdinalIgnoreCase):
                return (null, true);
            case string s:
                throw new InvalidConfigurationException($"-ClassWeight '{s}' is not understood: give 'Balanced', one number per class (-ClassWeight 1,5,1), or a hashtable of class name to weight (@{{ spam = 5 }}).");
            case IDictionary map:
                if (classNames is null)
                    throw new InvalidConfigurationException("-ClassWeight by class name needs classes with names; give one number per class instead.");
                var weights = Enumerable.Repeat(1.0, classNames.Count).ToArray();
                foreach (DictionaryEntry entry in map)
                {
                    string name = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
                    int index = classNames.ToList().FindIndex(c => c.Equals(name, StringComparison.OrdinalIgnoreCase));
                    if (index < 0)
                        throw new InvalidConfigurationException($"-ClassWeight names class '{name}', which is not in the training data; its classes are {string.Join(", ", classNames)}.");
                    weights[index] = ToDouble(entry.Value, name);
                }
                return (weights, false);
            case IEnumerable list:
                var values = new List<double>();
                foreach (var v in list) values.Add(ToDouble(v, $"#{values.Count + 1}"));
                if (classNames is not null && values.Count != classNames.Count)
                    throw new InvalidConfigurationException($"-ClassWeight gives {values.Count} weights but the training data has {classNames.Count} classes ({string.Join(", ", classNames)}).");
                return (values, false);
            default:
                return (new[] { ToDouble(value, "#1") }, false);
        }
    }

    private static double ToDouble(object? v, string which)
    {
        try
        {
            double d = Convert.ToDouble(v, CultureInfo.InvariantCulture);
            if (!(d >= 0) || double.IsInfinity(d)) throw new FormatException();
            return d;
        }
        catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
        {
            throw new InvalidConfigurationException($"-ClassWeight for class {which} must be a number ≥ 0 but is '{v}'.");
        }
    }
}
