// Compiled by MSBuild's RoslynCodeTaskFactory (see TorchSharpGlibcxx.targets) and by the tests.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Recommender.Build
{
    /// <summary>Outcome of marking one version requirement weak in one ELF file.</summary>
    public enum ElfPatchOutcome
    {
        /// <summary>The flag was set by this call.</summary>
        Patched,

        /// <summary>The requirement was already weak: nothing was written.</summary>
        AlreadyWeak,

        /// <summary>The file does not require the version at all.</summary>
        NotRequired,
    }

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on one version requirement (a <c>Vernaux</c> entry of
    /// <c>.gnu.version_r</c>) of a 64-bit little-endian ELF shared library, so the dynamic
    /// loader accepts a system library that lacks that version instead of refusing to load.
    /// </summary>
    public static class ElfVersionRequirement
    {
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlagWeak = 0x2;

        /// <summary>Marks <paramref name="versionName"/> weak in the file at <paramref name="path"/>; idempotent.</summary>
        public static ElfPatchOutcome MarkWeak(string path, string versionName)
        {
            byte[] image = File.ReadAllBytes(path);
            long flagsOffset = FindVernauxFlagsOffset(image, versionName, path);
            if (flagsOffset < 0)
            {
                return ElfPatchOutcome.NotRequired;
            }

            ushort flags = ReadUInt16(image, flagsOffset);
            if ((flags & VerFlagWeak) != 0)
            {
                return ElfPatchOutcome.AlreadyWeak;
            }

            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
            {
                ushort weak = (ushort)(flags | VerFlagWeak);
                var buffer = new[] { (byte)(weak & 0xff), (byte)(weak >> 8) };
                stream.Position = flagsOffset;
                stream.Write(buffer, 0, 2);
            }

            return ElfPatchOutcome.Patched;
        }

        /// <summary>True when the file requires <paramref name="versionName"/> and that requirement is weak.</summary>
        public static bool IsWeak(string path, string versionName)
        {
            byte[] image = File.ReadAllBytes(path);
            long flagsOffset = FindVernauxFlagsOffset(image, versionName, path);
            return flagsOffset >= 0
                && (ReadUInt16(image, flagsOffset) & VerFlagWeak) != 0;
        }

        private static long FindVernauxFlagsOffset(byte[] image, string versionName, string path)
        {
            if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            {
                throw new InvalidDataException($"'{path}' is not an ELF file.");
            }

            if (image[4] != 2 || image[5] != 1)
            {
                throw new InvalidDataException($"'{path}' is not a 64-bit little-endian ELF file.");
            }

            long sectionTable = (long)ReadUInt64(image, 0x28);
            int sectionEntrySize = ReadUInt16(image, 0x3A);
            int sectionCount = ReadUInt16(image, 0x3C);
            CheckRange(image, sectionTable, (long)sectionEntrySize * sectionCount, path);

            for (int i = 0; i < sectionCount; i++)
            {
                long header = sectionTable + ((long)i * sectionEntrySize);
                if (ReadUInt32(image, header + 4) != ShtGnuVerneed)
                {
                    continue;
                }

                long verneedOffset = (long)ReadUInt64(image, header + 0x18);
                int stringSection = (int)ReadUInt32(image, header + 0x28);
                int verneedCount = (int)ReadUInt32(image, header + 0x2C);
                long stringHeader = sectionTable + ((long)stringSection * sectionEntrySize);
                CheckRange(image, stringHeader, sectionEntrySize, path);
                long strings = (long)ReadUInt64(image, stringHeader + 0x18);

                long verneed = verneedOffset;
                for (int n = 0; n < verneedCount; n++)
                {
                    CheckRange(image, verneed, 16, path);
                    int auxCount = ReadUInt16(image, verneed + 2);
                    long aux = verneed + ReadUInt32(image, verneed + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        CheckRange(image, aux, 16, path);
                        long name = strings + ReadUInt32(image, aux + 8);
                        if (NameEquals(image, name, versionName))
                        {
                            return aux + 4;
                        }

                        aux += ReadUInt32(image, aux + 12);
                    }

                    verneed += ReadUInt32(image, verneed + 12);
                }
            }

            return -1;
        }

        private static bool NameEquals(byte[] image, long offset, string expected)
        {
            byte[] wanted = Encoding.ASCII.GetBytes(expected);
            if (offset < 0 || offset + wanted.Length >= image.Length)
            {
                return false;
            }

            for (int i = 0; i < wanted.Length; i++)
            {
                if (image[offset + i] != wanted[i])
                {
                    return false;
                }
            }

            return image[offset + wanted.Length] == 0;
        }

        private static ushort ReadUInt16(byte[] image, long offset) =>
            (ushort)(image[offset] | (image[offset + 1] << 8));

        private static uint ReadUInt32(byte[] image, long offset) =>
            (uint)ReadUInt16(image, offset) | ((uint)ReadUInt16(image, offset + 2) << 16);

        private static ulong ReadUInt64(byte[] image, long offset) =>
            ReadUInt32(image, offset) | ((ulong)ReadUInt32(image, offset + 4) << 32);

        private static void CheckRange(byte[] image, long offset, long length, string path)
        {
            if (offset < 0 || length < 0 || offset + length > image.Length)
            {
                throw new InvalidDataException($"'{path}' has a section header or version entry outside the file.");
            }
        }
    }

    /// <summary>MSBuild task: marks a version requirement weak in every given ELF file.</summary>
    public sealed class MarkElfVersionWeak : Microsoft.Build.Utilities.Task
    {
        /// <summary>The shared libraries to patch in place (copies in output folders, never package caches).</summary>
        [Required]
        public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();

        /// <summary>The version requirement to mark weak, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
        [Required]
        public string VersionName { get; set; } = string.Empty;

        /// <inheritdoc />
        public override bool Execute()
        {
            foreach (ITaskItem file in Files)
            {
                string path = file.ItemSpec;
                if (!File.Exists(path))
                {
                    continue;
                }

                ElfPatchOutcome outcome = ElfVersionRequirement.MarkWeak(path, VersionName);
                Log.LogMessage(MessageImportance.Low, "{0}: {1} {2}", path, VersionName, outcome);
                if (outcome == ElfPatchOutcome.Patched)
                {
                    Log.LogMessage(MessageImportance.Normal, "Marked {0} weak in {1}", VersionName, path);
                }
            }

            return !Log.HasLoggedErrors;
        }
    }
}
