samples = ["plain", "it's", 'say "hi"', "both ' and \"", "tab\there", "new\nline", "back\\slash",
           "\x00\x07\x1b", "é ü ß", "日本語", "emoji \U0001F600", "", " ", "\r\n", "\u200b"]
for s in samples:
    print(repr(s), len(s), ascii(s))
print([samples[0], samples[1]], (samples[2],), {"k": samples[3]})
print("a\tb".split("\t"), "x\\y", r"raw\n", len(r"\n"))
print("no bytes", "\u03b1")
