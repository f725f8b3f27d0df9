import { prng } from "./memory-recall-data";

/**
 * The memory-quality benchmark's labelled long conversations ("sos-convo-v1"), built here, the same
 * every run (seeded): three conversations of about 500 turns between a user and their assistant,
 * where facts about the user's life are said once (or said, then changed) among everyday small talk,
 * and questions asked later, each labelled with the turns that hold its answer (turn-level evidence,
 * as in public long-conversation benchmarks).
 *
 * Source and licence: every template and word list below was written for this repository and is
 * under its licence (Apache-2.0); no outside text is copied. The names, places and things are
 * common words, and the small talk deliberately repeats everyday vocabulary, so common words are
 * common (the speakers' names are in every turn), and some answer words also occur in unrelated
 * turns. Questions are labelled by what they share with their evidence, computed, not hand-set:
 * "shared words" (a word of the question is in the evidence as written), "word forms" (only a
 * stem is shared: "adopted" / "adopt"), "no shared word" (a paraphrase: only meaning links them),
 * and "two turns" (the answer is spread over a fact and its later change).
 */

export interface QualityTurn {
  /** `Speaker: words`, as the turn is stored. */
  text: string;
}

export interface QualityQuestion {
  question: string;
  /** Indexes into the conversation's turns. */
  evidence: number[];
  category?: string;
}

export interface QualityConversation {
  id: string;
  turns: QualityTurn[];
  questions: QualityQuestion[];
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

interface Slots {
  user: string;
  assistant: string;
  name: string;
  relation: string;
  city: string;
  job: string;
  pet: string;
  petName: string;
  food: string;
  hobby: string;
  instrument: string;
  month: string;
  month2: string;
  day: string;
  sport: string;
  book: string;
  number: string;
  colour: string;
  place: string;
}

const lists = {
  names: [
    "Ana",
    "Bruno",
    "Chiara",
    "Dmitri",
    "Esme",
    "Farid",
    "Greta",
    "Hiro",
    "Ines",
    "Jonah",
    "Kofi",
    "Lena",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Talia",
    "Umar",
    "Vera",
    "Wendell",
    "Ximena",
    "Yusuf",
    "Zara",
  ],
  relations: [
    "sister",
    "brother",
    "cousin",
    "aunt",
    "uncle",
    "neighbour",
    "colleague",
    "best friend",
    "niece",
    "nephew",
  ],
  cities: [
    "Lisbon",
    "Oslo",
    "Nairobi",
    "Montreal",
    "Kyoto",
    "Valparaiso",
    "Tallinn",
    "Porto",
    "Seville",
    "Hobart",
    "Leipzig",
    "Krakow",
  ],
  jobs: [
    "an architect",
    "a nurse",
    "a carpenter",
    "a pharmacist",
    "a translator",
    "a veterinarian",
    "a lawyer",
    "a baker",
    "a geologist",
    "an electrician",
  ],
  pets: ["greyhound", "parrot", "tortoise", "ferret", "rabbit", "cat", "beagle", "hamster"],
  petNames: ["Pepper", "Miso", "Biscuit", "Juniper", "Waffles", "Pickle", "Nimbus", "Clementine"],
  foods: ["peanuts", "shellfish", "gluten", "sesame", "strawberries", "lactose", "walnuts", "eggs"],
  hobbies: ["pottery", "bouldering", "birdwatching", "knitting", "woodworking", "calligraphy", "beekeeping", "sailing"],
  instruments: ["cello", "ukulele", "trumpet", "harmonica", "violin", "banjo", "accordion", "clarinet"],
  months: [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
  ],
  days: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
  sports: ["volleyball", "badminton", "rowing", "fencing", "squash", "handball", "curling"],
  books: ["The Dispossessed", "Middlemarch", "Piranesi", "The Remains of the Day", "Kindred", "Station Eleven"],
  colours: ["teal", "mustard", "burgundy", "lavender", "olive", "coral"],
  places: ["Cornwall", "the Dolomites", "Patagonia", "the Azores", "Lapland", "Sardinia", "the Highlands"],
};

/**
 * Facts: the turn that says it (and, for some, a later turn that changes it), the assistant's
 * answer, and the questions asked about it later.
 */
const facts: ((s: Slots) => { says: string; later?: string; questions: string[] })[] = [
  (s) => ({
    says: `My ${s.relation} ${s.name} just moved to ${s.city} to work as ${s.job}.`,
    questions: [`Which city did ${s.name} move to?`, `What does my ${s.relation} do for a living?`],
  }),
  (s) => ({
    says: `We adopted a rescue ${s.pet} last spring and named it ${s.petName}.`,
    questions: [`When did I adopt the ${s.pet}?`, `What is the name of our pet?`],
  }),
  (s) => ({
    says: `I'm allergic to ${s.food}, so please never suggest recipes with ${s.food} in them.`,
    questions: [`Do I have any food allergies?`, `Which ingredient should you leave out of recipes for me?`],
  }),
  (s) => ({
    says: `I started taking ${s.instrument} lessons on ${s.day} evenings with a teacher called ${s.name}.`,
    questions: [`Who teaches me the ${s.instrument}?`, `Which instrument am I learning to play?`],
  }),
  (s) => ({
    says: `I booked a cottage in ${s.place} for the first week of ${s.month}.`,
    later: `Bad news: we had to push the ${s.place} trip back to ${s.month2} because of work.`,
    questions: [`When are we going to ${s.place}?`, `What happened to our holiday booking?`],
  }),
  (s) => ({
    says: `Grandma's birthday is on the ${s.number}th of ${s.month}; she adores lilies.`,
    questions: [`When is grandma's birthday?`, `What flowers should I buy for my grandmother?`],
  }),
  (s) => ({
    says: `I've been getting into ${s.hobby} lately, there's a club that meets every ${s.day}.`,
    questions: [`What new hobby have I picked up?`, `Which day does the ${s.hobby} club meet?`],
  }),
  (s) => ({
    says: `My blood test showed high cholesterol, so the doctor wants me to cut down on cheese.`,
    questions: [`What did the doctor say about my cholesterol?`, `Why am I eating less dairy?`],
  }),
  (s) => ({
    says: `I joined a ${s.sport} team at work; we play in the league on ${s.day} nights.`,
    questions: [`Which sport do I play with my colleagues?`, `When are the ${s.sport} matches?`],
  }),
  (s) => ({
    says: `The spare key to the flat is hidden under the ${s.colour} flowerpot by the back door.`,
    questions: [`Where did I hide the spare key?`, `How can someone get into the flat if I'm away?`],
  }),
  (s) => ({
    says: `I'm rereading ${s.book}; it's the novel I return to every winter.`,
    questions: [`Which novel do I reread every year?`, `What is my favourite book?`],
  }),
  (s) => ({
    says: `My passport expires in ${s.month} ${2027 + (Number(s.number) % 3)}, I need to renew it before the trip.`,
    questions: [`When does my passport expire?`, `Which travel document needs renewing?`],
  }),
  (s) => ({
    says: `I painted the bedroom walls ${s.colour} over the weekend, it finally feels cosy.`,
    questions: [`What colour is the bedroom now?`, `Did I redecorate any rooms recently?`],
  }),
  (s) => ({
    says: `I'm saving ${s.number} percent of my salary this year for a house deposit.`,
    later: `I raised my savings to ${Number(s.number) + 5} percent after the pay rise.`,
    questions: [`How much of my salary am I saving?`, `What am I putting money aside for?`],
  }),
  (s) => ({
    says: `I get migraines whenever I skip lunch, it happened again on ${s.day}.`,
    questions: [`What triggers my migraines?`, `Why do I get headaches?`],
  }),
  (s) => ({
    says: `My ${s.relation} ${s.name} is getting married in ${s.month}, and I'm giving a speech.`,
    questions: [`Whose wedding is coming up?`, `Am I speaking at the wedding?`],
  }),
  (s) => ({
    says: `The car failed its inspection because of worn brake pads; the garage fixes it on ${s.day}.`,
    questions: [`Why did the car fail the inspection?`, `When is the car being repaired?`],
  }),
  (s) => ({
    says: `I speak Portuguese fluently and I'm learning some basic Japanese with ${s.name}.`,
    questions: [`Which languages do I speak?`, `Who am I studying Japanese with?`],
  }),
  (s) => ({
    says: `I ran my first half marathon in ${s.city} in two hours and ${s.number} minutes.`,
    questions: [`What was my half marathon time?`, `Where did I run my first race?`],
  }),
  (s) => ({
    says: `I switched my phone plan to a cheaper provider, the bill is now ${s.number} euros a month.`,
    questions: [`How much is my phone bill?`, `Did I change mobile providers?`],
  }),
  (s) => ({
    says: `I'm nervous about the job interview at a design studio in ${s.city} next ${s.day}.`,
    later: `The design studio in ${s.city} offered me the job, I start in ${s.month2}!`,
    questions: [`Where did I interview for a job?`, `Did I get the design studio position?`],
  }),
  (s) => ({
    says: `My son has a swimming lesson every ${s.day} at five, then we get pizza.`,
    questions: [`When is my son's swimming lesson?`, `What does my boy do after school?`],
  }),
  (s) => ({
    says: `The printer in the study only works over a USB cable, never over wifi.`,
    questions: [`Why won't the printer connect wirelessly?`, `How do I print from the study?`],
  }),
  (s) => ({
    says: `I planted ${s.number} tomato plants on the balcony; they need watering every evening.`,
    questions: [`How many tomato plants did I plant?`, `When should the balcony plants be watered?`],
  }),
];

/**
 * Small talk: what fills a long conversation, in everyday words, made from parts so that turns
 * rarely repeat, and naming the same days, months, people, places and things the facts name.
 */
const smallTalkOpeners = [
  "On {day}",
  "Yesterday",
  "This morning",
  "Last {day}",
  "After work",
  "Over the weekend",
  "Tonight",
  "At lunch",
  "Earlier today",
  "In {month}",
];
const smallTalkActivities = [
  "I had coffee with {name}",
  "I cleaned the kitchen",
  "we walked along the river in {city}",
  "I watched a documentary about {place}",
  "I cooked pasta for the kids",
  "I answered emails for hours",
  "I went to the gym",
  "I called my {relation}",
  "we tried a new bakery near the station",
  "I read a few chapters of a thriller",
  "I fixed the squeaky door in the hallway",
  "I sorted out the garage",
  "we played board games with {name}",
  "I listened to a podcast about {hobby}",
  "I took the dog-sitting job for {name}",
  "I bought a {colour} scarf at the market",
  "I stayed late at the office",
  "I went swimming at the public pool",
  "I watched {sport} on television",
  "I helped {name} move a sofa",
  "I baked bread",
  "I planned the week's meals",
  "I got stuck in traffic on the way to work",
  "I went to a concert with my {relation}",
  "I paid the bills",
];
const smallTalkComments = [
  "and honestly it was the best part of the week.",
  "but I'm exhausted now.",
  "which was more fun than I expected.",
  "and it reminded me how much I love simple days.",
  "so I'm a bit behind on everything else.",
  "and I want to do it again soon.",
  "though the weather was awful.",
  "and the time just flew by.",
  "but I keep thinking about work.",
  "and now I really need some sleep.",
  "which took way longer than planned.",
  "and I think I'm finally getting the hang of it.",
];
const userQuestions = [
  "Do you have any tips for sleeping better?",
  "What should I cook for friends coming over on {day}?",
  "Can you remind me to call the bank tomorrow?",
  "Any ideas for a quick healthy lunch?",
  "How do I stay motivated when work gets boring?",
  "What's a good way to start running again?",
  "Should I take a day off next {day}?",
  "Can you suggest a film for a rainy evening?",
  "How can I spend less on takeaway food?",
  "What's a nice gift for a colleague who is leaving?",
];

const assistantOpeners = [
  "That sounds like a lot.",
  "I'm glad to hear that!",
  "That's good to know.",
  "It sounds like you've had quite a day.",
  "That's lovely.",
  "Good idea.",
  "I understand.",
  "Noted!",
  "That sounds fun.",
  "Thanks for sharing that with me.",
];
const assistantFollowUps = [
  "Make sure you take some time for yourself, even a short break helps.",
  "Small moments like that can make the whole week feel better.",
  "Is there anything you'd like help planning around it?",
  "Would you like some ideas to make tomorrow easier?",
  "A simple plan and a little time each day usually works better than a big effort once.",
  "If you want, we can break it into smaller steps and tackle them one at a time.",
  "Let me know if anything changes and I'll keep it in mind.",
  "How did it go, and would you do it again?",
  "I'm here whenever you want to talk it through.",
  "Try to keep the evening free and get some rest.",
];

function fill(template: string, slots: Slots): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => String(slots[key as keyof Slots]));
}

function smallTalkLine(next: () => number, slots: Slots): string {
  if (next() < 0.2) return fill(pick(next, userQuestions), slots);
  return fill(
    `${pick(next, smallTalkOpeners)} ${pick(next, smallTalkActivities)}, ${pick(next, smallTalkComments)}`,
    slots,
  );
}

function assistantLine(next: () => number): string {
  return `${pick(next, assistantOpeners)} ${pick(next, assistantFollowUps)}`;
}

function slotsFor(next: () => number, user: string, assistant: string): Slots {
  const month = Math.floor(next() * 12);
  return {
    user,
    assistant,
    name: pick(next, lists.names),
    relation: pick(next, lists.relations),
    city: pick(next, lists.cities),
    job: pick(next, lists.jobs),
    pet: pick(next, lists.pets),
    petName: pick(next, lists.petNames),
    food: pick(next, lists.foods),
    hobby: pick(next, lists.hobbies),
    instrument: pick(next, lists.instruments),
    month: lists.months[month]!,
    month2: lists.months[(month + 2 + Math.floor(next() * 6)) % 12]!,
    day: pick(next, lists.days),
    sport: pick(next, lists.sports),
    book: pick(next, lists.books),
    number: String(11 + Math.floor(next() * 17)),
    colour: pick(next, lists.colours),
    place: pick(next, lists.places),
  };
}

const people: [string, string][] = [
  ["Maya", "Robin"],
  ["Tomas", "Robin"],
  ["Leila", "Robin"],
];

/** The three conversations (about 480 turns each). */
export function qualityConversations(): QualityConversation[] {
  return people.map(([user, assistant], index) =>
    conversation(`conv-${index + 1}`, user, assistant, prng(101 + index)),
  );
}

function conversation(id: string, user: string, assistant: string, next: () => number): QualityConversation {
  const turns: QualityTurn[] = [];
  const pending: { question: string; evidence: number[] }[] = [];
  const say = (speaker: string, words: string) => turns.push({ text: `${speaker}: ${words}` }) - 1;
  const smallTalk = (count: number) => {
    for (let index = 0; index < count; index++) {
      say(user, smallTalkLine(next, slotsFor(next, user, assistant)));
      say(assistant, assistantLine(next));
    }
  };
  const order = facts.map((fact, index) => ({ fact, key: next() + index * 0 })).sort((a, b) => a.key - b.key);
  const laters: { at: number; words: string; evidence: number[] }[] = [];
  for (const { fact } of order) {
    smallTalk(7 + Math.floor(next() * 6));
    const stated = fact(slotsFor(next, user, assistant));
    const at = say(user, stated.says);
    say(assistant, assistantLine(next));
    const evidence = [at];
    if (stated.later) laters.push({ at: turns.length + 20 + Math.floor(next() * 60), words: stated.later, evidence });
    for (const question of stated.questions) pending.push({ question, evidence });
    for (const later of laters.filter((entry) => entry.at <= turns.length)) {
      later.evidence.push(say(user, later.words));
      say(assistant, assistantLine(next));
      laters.splice(laters.indexOf(later), 1);
    }
  }
  for (const later of laters) {
    later.evidence.push(say(user, later.words));
    say(assistant, assistantLine(next));
  }
  smallTalk(10);
  return {
    id,
    turns,
    questions: pending.map((entry) => ({ question: entry.question, evidence: [...entry.evidence] })),
  };
}

/**
 * A question's category from what it shares with its evidence: two evidence turns; a word as
 * written; a stem only; nothing. `words` and `stem` are the full text's own (fts-query.ts).
 */
export function categorize(
  question: string,
  evidence: string[],
  words: (text: string) => { word: string; stem: string }[],
): string {
  if (evidence.length > 1) return "two turns";
  const asked = words(question);
  const said = words(evidence.join(" ").replace(/^[^:]*:/, ""));
  if (asked.some((term) => said.some((other) => other.word === term.word))) return "shared words";
  if (asked.some((term) => said.some((other) => other.stem === term.stem))) return "word forms";
  return "no shared word";
}
