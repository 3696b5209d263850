"""Classifying "names" with a character-level RNN and an LSTM, on synthetic words drawn from
three made-up languages with different letter preferences: one-hot letter tensors, an RNN cell
written as a module, nn.RNN and nn.LSTM over the sequence, trained with SGD and printing the
loss and a prediction (after PyTorch's "NLP From Scratch: Classifying Names" tutorial)."""
import string

import torch
import torch.nn as nn

torch.manual_seed(0)
all_letters = string.ascii_lowercase
n_letters = len(all_letters)
languages = {"Vowelish": "aeiouy", "Consonantic": "bcdfgkrst", "Zedland": "zxqjvw"}
categories = list(languages)


def random_word(lang):
    preferred = languages[lang]
    length = int(torch.randint(3, 7, ()).item())
    letters = []
    for _ in range(length):
        if torch.rand(()).item() < 0.7:
            letters.append(preferred[int(torch.randint(len(preferred), ()).item())])
        else:
            letters.append(all_letters[int(torch.randint(n_letters, ()).item())])
    return "".join(letters)


def letter_to_index(letter):
    return all_letters.find(letter)


def line_to_tensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letter_to_index(letter)] = 1
    return tensor


print(letter_to_index("j"), line_to_tensor("jones").size())
words = [(lang, random_word(lang)) for _ in range(20) for lang in categories]
print(words[:6])


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size, hidden_size)
        self.h2h = nn.Linear(hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        hidden = torch.tanh(self.i2h(input) + self.h2h(hidden))
        return self.softmax(self.h2o(hidden)), hidden

    def init_hidden(self):
        return torch.zeros(1, self.hidden_size)


rnn = RNN(n_letters, 16, len(categories))
print(rnn)
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(rnn.parameters(), lr=0.05)
for epoch in range(2):
    total = 0.0
    for lang, word in words:
        line = line_to_tensor(word)
        hidden = rnn.init_hidden()
        for i in range(line.size(0)):
            output, hidden = rnn(line[i], hidden)
        loss = criterion(output, torch.tensor([categories.index(lang)]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(epoch, f"{total / len(words):.4f}")


class SeqClassifier(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(n_letters, 12, batch_first=True)
        self.out = nn.Linear(12, len(categories))

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.out(out[:, -1])


for cell in (nn.RNN, nn.LSTM):
    model = SeqClassifier(cell)
    print(model)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(2):
        total = 0.0
        for lang, word in words:
            x = line_to_tensor(word).transpose(0, 1)
            loss = nn.functional.cross_entropy(model(x), torch.tensor([categories.index(lang)]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        print(cell.__name__, epoch, f"{total / len(words):.4f}")
    with torch.no_grad():
        scores = model(line_to_tensor("aeiou").transpose(0, 1))
    print(categories[scores.argmax().item()], scores.softmax(1))

lstm = nn.LSTM(4, 3, num_layers=2)
h = (torch.zeros(2, 1, 3), torch.zeros(2, 1, 3))
out, (hn, cn) = lstm(torch.randn(5, 1, 4), h)
print(out.shape, hn.shape, cn.shape)
print([name for name, _ in lstm.named_parameters()])
