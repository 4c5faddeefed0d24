namespace Graft.FeatureCache.Decoding;

/// <summary>
/// A structural check ImageSharp 2.1 lacks: it decodes a JPEG cut short inside its scan data without complaint,
/// filling the missing rows with grey (and throws odd exceptions for other cut points). Such an image would silently
/// become a training sample, so a JPEG counts as complete only when an end-of-image marker (FF D9) follows the first
/// start-of-scan marker. That is strict like libjpeg/TensorFlow's <c>decode_jpeg</c> and PIL without
/// <c>LOAD_TRUNCATED_IMAGES</c>; bytes after the marker (camera trailers, padding) are allowed.
/// </summary>
internal static class JpegStructure
{
    private static ReadOnlySpan<byte> EndOfImage => [0xFF, 0xD9];

    /// <summary>False when the data ends before its scan data or the scan data has no end-of-image marker. Returns
    /// true (leaving the verdict to the decoder) when the marker layout is not one this walk understands.</summary>
    public static bool IsComplete(ReadOnlySpan<byte> data)
    {
        // Walk the marker segments from SOI so an end marker inside an embedded EXIF thumbnail (APP1) does not count.
        int i = 2;
        while (i + 1 < data.Length)
        {
            if (data[i] != 0xFF)
                return true;
            byte marker = data[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }
            if (marker == 0xDA)
                return data[(i + 2)..].LastIndexOf(EndOfImage) >= 0; // FF D9 cannot occur inside entropy-coded data
            if (marker == 0xD9)
                return false; // end of image before any scan
            if (marker is 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7))
            {
                i += 2; // markers without a length field
                continue;
            }
            if (i + 3 >= data.Length)
                return false;
            i += 2 + ((data[i + 2] << 8) | data[i + 3]);
        }
        return false;
    }
}
