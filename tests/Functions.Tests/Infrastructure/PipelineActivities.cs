using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Recommender.Functions.Pipeline.Activities;

namespace Recommender.Functions.Tests.Infrastructure;

/// <summary>The app's pipeline activities, found the way the Functions host finds functions: by their attributes.</summary>
internal static class PipelineActivities
{
    /// <summary>Every concrete <see cref="PipelineActivity{TActivity, TInput, TOutput}"/> of the app.</summary>
    public static IReadOnlyList<Type> All { get; } = typeof(PipelineActivity<,,>).Assembly.GetTypes()
        .Where(type => type is { IsClass: true, IsAbstract: false } && type.BaseType is { IsGenericType: true } baseType
            && baseType.GetGenericTypeDefinition() == typeof(PipelineActivity<,,>))
        .OrderBy(type => type.Name, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The activity type, its input type and its output type.</summary>
    public static Type[] ContractOf(Type activity) => activity.BaseType!.GetGenericArguments();

    /// <summary>Names of the app's functions with an activity trigger.</summary>
    public static IReadOnlyList<string> ActivityFunctionNames() => typeof(PipelineActivity<,,>).Assembly.GetTypes()
        .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        .Where(method => method.GetParameters().Any(parameter => parameter.GetCustomAttribute<ActivityTriggerAttribute>() is not null))
        .Select(method => method.GetCustomAttribute<FunctionAttribute>()!.Name)
        .Order(StringComparer.Ordinal)
        .ToArray();
}
