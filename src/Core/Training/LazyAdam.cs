using Recommender.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Recommender.Core.Training;

/// <summary>
/// Adam that updates large embedding tables lazily. Every parameter with a dense gradient (used whole
/// by the loss, like the item table of the exact softmax, or a table too small to be gathered) takes
/// PyTorch's Adam step on the whole tensor, any rows gathered from it through
/// <see cref="GatheredRows"/> folded into its gradient. A table read only through gathers has
/// just the rows the batch touched updated — their moments and values — as PyTorch's
/// <c>SparseAdam</c> does: rows a batch does not touch keep their moments, and the step costs time in
/// proportion to the batch, not to the number of users and items.
/// The moments and step counts live in a TorchSharp <see cref="Adam"/>, so checkpoints keep its format;
/// that optimizer's own <c>step</c> is never called.
/// </summary>
internal sealed class LazyAdam
{
    private const double Beta1 = 0.9;
    private const double Beta2 = 0.999;
    private const double Epsilon = 1e-8;

    // Every Scalar a step passes to TorchSharp is held in a variable until the call returns. A Scalar converted
    // implicitly from a number is unreachable while the native call runs, so a collection at that moment can
    // finalize it and free the native value the call is reading ("Unknown scalar type", "Expected false to be
    // true"); a step passes about six per parameter on every batch, the most of any call in training, which made
    // that rare race a crash of whole runs.
    private static readonly Scalar One = 1.ToScalar();
    private static readonly Scalar FirstMomentDecay = Beta1.ToScalar();
    private static readonly Scalar FirstMomentWeight = (1 - Beta1).ToScalar();
    private static readonly Scalar SecondMomentDecay = Beta2.ToScalar();
    private static readonly Scalar SecondMomentWeight = (1 - Beta2).ToScalar();
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly Adam.State[] _states;
    private readonly Dictionary<Embedding, int> _indexOfTable;
    private readonly double _learningRate;
    private readonly double _weightDecay;

    /// <summary>
    /// Drives <paramref name="moments"/>, an Adam built with default betas and epsilon over
    /// <paramref name="model"/>'s parameters in their usual order.
    /// </summary>
    public LazyAdam(Adam moments, EmbeddingModel model, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(moments);
        ArgumentNullException.ThrowIfNull(model);
        var named = model.named_parameters().ToList();
        _states = moments.state_dict().State.Cast<Adam.State>().ToArray();
        if (_states.Length != named.Count)
        {
            throw new ArgumentException($"The optimizer holds {_states.Length} parameter states and the model {named.Count} parameters.", nameof(moments));
        }

        _parameters = named.Select(p => p.parameter).ToArray();
        var indexOfName = named.Select((p, index) => (p.name, index)).ToDictionary(p => p.name, p => p.index, StringComparer.Ordinal);
        _indexOfTable = new Dictionary<Embedding, int>(ReferenceEqualityComparer.Instance);
        foreach ((string name, nn.Module module) in model.named_modules())
        {
            if (module is Embedding table && indexOfName.TryGetValue($"{name}.weight", out int index))
            {
                _indexOfTable[table] = index;
            }
        }

        _learningRate = learningRate;
        _weightDecay = weightDecay;
    }

    /// <summary>
    /// One step after the batch's backward pass: dense gradients plus the gradients of the rows in
    /// <paramref name="rows"/> (null when nothing was gathered). Call inside the batch's dispose scope.
    /// </summary>
    public void Step(GatheredRows? rows)
    {
        using var noGrad = torch.no_grad();
        var gathered = new List<GatheredRows.Gather>[_parameters.Count];
        foreach (GatheredRows.Gather gather in rows?.Gathers ?? [])
        {
            if (gather.Rows.grad is not null)
            {
                int index = _indexOfTable[gather.Table];
                (gathered[index] ??= []).Add(gather);
            }
        }

        for (int i = 0; i < _parameters.Count; i++)
        {
            Adam.State state = _states[i];
            state.step++;
            double stepSize = _learningRate / (1 - Math.Pow(Beta1, state.step));
            double correction2 = Math.Sqrt(1 - Math.Pow(Beta2, state.step));
            Parameter parameter = _parameters[i];
            if (parameter.grad is { } dense)
            {
                Update(parameter, state.exp_avg, state.exp_avg_sq, FoldRows(dense, gathered[i]), stepSize, correction2);
            }
            else if (gathered[i] is { } gathers)
            {
                UpdateRows(parameter, state, gathers, stepSize, correction2);
            }
        }
    }

    /// <summary>Adds the gradients of the gathered rows into the whole-table gradient <paramref name="gradient"/>.</summary>
    private static Tensor FoldRows(Tensor gradient, List<GatheredRows.Gather>? gathers)
    {
        foreach (GatheredRows.Gather gather in gathers ?? [])
        {
            gradient.index_add_(0, gather.Indices, gather.Rows.grad!, One);
        }

        return gradient;
    }

    private void UpdateRows(Parameter table, Adam.State state, List<GatheredRows.Gather> gathers, double stepSize, double correction2)
    {
        Tensor indices = gathers.Count == 1 ? gathers[0].Indices : torch.cat(gathers.Select(g => g.Indices).ToArray(), 0);
        Tensor gradients = gathers.Count == 1 ? gathers[0].Rows.grad! : torch.cat(gathers.Select(g => g.Rows.grad!).ToArray(), 0);
        (Tensor unique, Tensor? inverse, _) = torch.unique(indices, sorted: true, return_inverse: true);
        Tensor gradient = torch.zeros([unique.shape[0], table.shape[1]], dtype: gradients.dtype, device: gradients.device)
            .index_add_(0, inverse!, gradients, One);
        Tensor values = table.index_select(0, unique);
        Tensor firstMoment = state.exp_avg.index_select(0, unique);
        Tensor secondMoment = state.exp_avg_sq.index_select(0, unique);
        Update(values, firstMoment, secondMoment, gradient, stepSize, correction2);
        table.index_copy_(0, unique, values);
        state.exp_avg.index_copy_(0, unique, firstMoment);
        state.exp_avg_sq.index_copy_(0, unique, secondMoment);
    }

    /// <summary>
    /// PyTorch's Adam update (L2 weight decay added to the gradient), in place on <paramref name="values"/>
    /// and the moments, in seven kernels: m/(√v/c₂ + ε) is written as c₂·m/(√v + c₂·ε).
    /// </summary>
    private void Update(Tensor values, Tensor firstMoment, Tensor secondMoment, Tensor gradient, double stepSize, double correction2)
    {
        if (_weightDecay != 0)
        {
            using Scalar weightDecay = _weightDecay.ToScalar();
            gradient = gradient.add(values, alpha: weightDecay);
        }

        using Scalar epsilon = (Epsilon * correction2).ToScalar();
        using Scalar step = (-stepSize * correction2).ToScalar();
        firstMoment.mul_(FirstMomentDecay).add_(gradient, alpha: FirstMomentWeight);
        secondMoment.mul_(SecondMomentDecay).addcmul_(gradient, gradient, value: SecondMomentWeight);
        using Tensor denominator = secondMoment.sqrt().add_(epsilon, One);
        values.addcdiv_(firstMoment, denominator, value: step);
    }
}
