using Recommender.Core.Models;

namespace Recommender.Core.Tests.Models;

/// <summary>Which kinds train on which feedback: the rule every entry point checks before any work.</summary>
public sealed class ModelKindFeedbackTests
{
    [Fact]
    public void CannotTrainOn_MatrixFactorizationOnImplicitFeedback_IsTrue() =>
        Assert.True(ModelKindFeedback.CannotTrainOn(ModelKind.MatrixFactorization, isExplicit: false));

    [Fact]
    public void CannotTrainOn_MatrixFactorizationOnRatings_IsFalse() =>
        Assert.False(ModelKindFeedback.CannotTrainOn(ModelKind.MatrixFactorization, isExplicit: true));

    [Theory]
    [InlineData(ModelKind.Auto)]
    [InlineData(ModelKind.Bpr)]
    [InlineData(ModelKind.Softmax)]
    [InlineData(ModelKind.Ease)]
    [InlineData(ModelKind.Ials)]
    public void CannotTrainOn_EveryOtherKindOnImplicitFeedback_IsFalse(ModelKind kind) =>
        Assert.False(ModelKindFeedback.CannotTrainOn(kind, isExplicit: false));

    [Theory]
    [InlineData(ModelKind.Ease, false, true)]
    [InlineData(ModelKind.Ials, false, true)]
    [InlineData(ModelKind.Softmax, false, true)]
    [InlineData(ModelKind.Bpr, false, false)]
    [InlineData(ModelKind.Ease, true, false)] // ratings may be zero or negative: not strengths
    [InlineData(ModelKind.Softmax, true, false)]
    [InlineData(ModelKind.MatrixFactorization, true, false)] // reads them as the ratings it predicts
    public void ReadsStrengths_ImplicitEaseIalsAndSoftmaxOnly(ModelKind kind, bool isExplicit, bool reads) =>
        Assert.Equal(reads, ModelKindFeedback.ReadsStrengths(kind, isExplicit));
}
