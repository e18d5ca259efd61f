namespace Recommender.Core.Ingestion;

/// <summary>What a column of an interaction log means.</summary>
internal enum InteractionRole
{
    User,
    Item,
    Value,
    EventType,
    Timestamp,
}
