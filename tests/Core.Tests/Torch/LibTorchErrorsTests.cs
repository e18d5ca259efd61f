using System.Runtime.InteropServices;
using Recommender.Core.Torch;
using TorchSharp;

namespace Recommender.Core.Tests.Torch;

public sealed class LibTorchErrorsTests
{
    [Fact]
    public void Summary_OfAFailedLibTorchCall_IsLibTorchsReasonOnOneLineWithoutTheBacktrace()
    {
        ExternalException error = Assert.Throws<ExternalException>(() =>
        {
            using var left = torch.ones(2, 3);
            using var right = torch.ones(2, 3);
            using var product = left.mm(right);
        });

        Assert.True(LibTorchErrors.IsLibTorchError(error));
        Assert.Contains("frame #", error.Message, StringComparison.Ordinal);
        Assert.Equal("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", LibTorchErrors.Summary(error));
    }

    [Fact]
    public void Summary_OfAMessageWithoutBacktrace_JoinsItsLines()
    {
        var error = new ExternalException("CUDA out of memory.\n  Tried to allocate 2.00 GiB");

        Assert.Equal("CUDA out of memory. Tried to allocate 2.00 GiB", LibTorchErrors.Summary(error));
    }

    [Fact]
    public void IsLibTorchError_OtherExternalExceptions_AreNot()
    {
        Assert.False(LibTorchErrors.IsLibTorchError(new System.ComponentModel.Win32Exception(2)));
        Assert.False(LibTorchErrors.IsLibTorchError(new InvalidOperationException("x")));
    }
}
