using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace MultiXfer.Auth;

/// <summary>
/// Remembers recent successful password checks as HMAC-SHA256(per-process key, user, stored hash, password), so a
/// client that logs in often is not charged PBKDF2 each time. Only successes are cached: a wrong password never
/// matches an entry and always pays the full cost. Entries expire, and a changed stored hash never matches.
/// </summary>
internal sealed class PasswordCache(TimeSpan lifetime, TimeProvider time, int capacity = 10_000)
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, long> _expiries = new(StringComparer.Ordinal);

    public bool Contains(UserRecord user, string password)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            return false;
        }

        string key = KeyOf(user, password);
        if (_expiries.TryGetValue(key, out long expiry))
        {
            if (expiry > time.GetTimestamp())
            {
                return true;
            }

            _expiries.TryRemove(key, out _);
        }

        return false;
    }

    public void Add(UserRecord user, string password)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        if (_expiries.Count >= capacity)
        {
            _expiries.Clear();
        }

        long ticks = (long)(lifetime.TotalSeconds * time.TimestampFrequency);
        _expiries[KeyOf(user, password)] = time.GetTimestamp() + ticks;
    }

    private string KeyOf(UserRecord user, string password)
    {
        byte[] material = Encoding.UTF8.GetBytes($"{user.Account.Name}\0{user.Password!.Encoded}\0{password}");
        return Convert.ToBase64String(HMACSHA256.HashData(_key, material));
    }
}
