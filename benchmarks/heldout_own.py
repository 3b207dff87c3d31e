# ruff: noqa: E501 (answers as written, one paragraph a line)
"""A small source set written for ``heldout_kinds.py`` (not in the shared corpora).

Ten requests, each with two answers written independently of each other: ``INDEXED`` is put in
the index (as an assistant's output) and copied with every edit kind; ``INDEPENDENT`` answers
the same request in its own words and is scanned as a hard negative. Written for this benchmark
on 2026-12-06; nothing here was used to choose a parameter.
"""

from __future__ import annotations

REQUESTS = (
    "How do I keep basil alive indoors?",
    "Explain what a mortgage escrow account is.",
    "Give me tips for a first 10k race.",
    "What should I check before buying a used bicycle?",
    "How does a heat pump heat a house in winter?",
    "Write a short guide to brewing pour-over coffee.",
    "Why do cats knead blankets?",
    "How can a small team run a useful weekly retrospective?",
    "What is the difference between a virus and a bacterium?",
    "How do I prepare for a job interview at a bakery?",
)

INDEXED = (
    """Sure! Here is how to keep a basil plant happy on a windowsill.

## Light
Basil wants at least six hours of direct sun a day. A south-facing window is ideal; if you don't have one, a cheap LED grow light placed about 15 cm above the leaves works surprisingly well.

## Water
- Water when the top 2 cm of soil feels dry, usually every two or three days.
- Always use a pot with drainage holes, because soggy roots rot within a week.

## Harvesting
Pinch off the top pair of leaves just above a node. This makes the stem branch into two, so the plant grows bushier instead of taller. **Never remove more than a third of the plant at once**, and snip off flower buds as soon as they appear, since flowering makes the leaves bitter.""",
    """An escrow account is a holding account that your mortgage servicer manages on your behalf. Each month, on top of the principal and interest, you pay an extra amount that goes into this account. The servicer then uses that money to pay your property taxes and your homeowners insurance when those bills come due, usually once or twice a year.

The point is to spread large annual bills across twelve smaller payments and to make sure they are actually paid, since unpaid taxes can put a lien on the house that the lender would rank behind. Once a year the servicer runs an escrow analysis: if taxes went up, your monthly payment rises; if there is a surplus of more than $50, you typically get a refund check. Some lenders let you waive escrow if you put at least 20% down, sometimes for a small fee.""",
    """Congratulations on signing up! Here are some practical tips for your first 10k:

1. **Build up gradually.** Increase your weekly distance by no more than about 10% from one week to the next, and include one easy long run each week.
2. **Practice your race pace.** Once a week, run 2-3 km at the speed you hope to hold on race day, so it feels familiar.
3. **Don't try anything new on race day.** Wear shoes and clothes you have already run in, and eat the same breakfast you tested before a long run.
4. **Start slower than you think.** Adrenaline makes the first kilometre feel easy, and most beginners pay for a fast start later.
5. **Taper.** Cut your mileage by roughly half in the final week so your legs are fresh.

Most importantly, enjoy the atmosphere and the finish line!""",
    """Buying a used bike can save you a lot of money, but it pays to inspect it carefully. Start with the frame: look for cracks near the welds, dents in the top tube and any signs of rust, especially around the bottom bracket. A bent frame or fork is usually not worth repairing.

Next, check the drivetrain. Shift through all the gears while lifting the back wheel and turning the pedals; the chain should move smoothly without skipping. Measure chain wear with a cheap chain checker, since a stretched chain also wears out the cassette. Spin both wheels to see whether they are true and listen for grinding in the hubs. Squeeze the brakes hard and make sure the levers do not touch the handlebar. Finally, ask for the serial number and check it against a stolen bike registry before you hand over any cash.""",
    """A heat pump does not create heat by burning fuel; it moves heat from outside to inside. Even cold winter air contains thermal energy. The outdoor unit passes that air over a coil filled with a refrigerant that boils at a very low temperature, so the refrigerant absorbs heat and turns into a gas.

A compressor then squeezes the gas, which raises its temperature sharply. The hot gas flows to an indoor coil, where a fan blows room air across it; the refrigerant gives up its heat, condenses back into a liquid, and passes through an expansion valve that lowers its pressure and temperature so the cycle can start again. Because it moves heat rather than making it, a heat pump can deliver three to four units of heat for every unit of electricity it uses. Efficiency drops as it gets colder, which is why some homes keep a backup heater for the coldest days.""",
    """Pour-over coffee is simple once you have a routine. Here is a basic method for one cup.

**You will need:** a dripper such as a V60, a paper filter, 15 g of medium-fine ground coffee, 250 g of water just off the boil (about 94 °C), a kettle and a scale.

1. Rinse the paper filter with hot water to remove the papery taste and warm the dripper, then discard that water.
2. Add the coffee and shake it gently to level the bed.
3. Pour about 40 g of water to wet all the grounds and wait 30-45 seconds. This "bloom" lets carbon dioxide escape.
4. Pour the rest of the water slowly in small circles, keeping the level steady, until the scale reads 250 g.
5. Let it drain completely. The whole brew should take around three minutes.

If it tastes sour, grind finer; if it tastes bitter, grind coarser.""",
    """Kneading, sometimes called "making biscuits," is a behaviour most cats carry over from kittenhood. Newborn kittens push their paws against their mother's belly while nursing, which stimulates the flow of milk. The motion becomes linked with warmth, food and safety, so adult cats often knead when they feel relaxed and content, for example on a soft blanket or on your lap.

There are a few other explanations as well. Cats have scent glands in the pads of their paws, so kneading leaves their smell behind and marks the spot as theirs. Wild ancestors may also have trampled grass or leaves to make a comfortable place to sleep. Occasionally a cat kneads when it is stressed, as a way to soothe itself. In most cases it is perfectly normal; if the claws bother you, put a thick blanket on your lap or keep the cat's nails trimmed.""",
    """A good retrospective is short, regular and ends with something the team will actually do. Here is a format that works well for a team of three to eight people:

- **Keep it to 45 minutes** at the same time every week, so it becomes a habit rather than an event.
- **Start with the previous action items.** Check whether they were done and whether they helped; this shows the meeting has consequences.
- **Collect observations silently first.** Give everyone five minutes to write notes under "went well", "was hard" and "puzzles me", then read them out. Writing first stops the loudest person from setting the agenda.
- **Group and vote.** Cluster similar notes and give each person three votes to pick the topics worth discussing.
- **Agree on one or two actions**, each with an owner and a date.

Rotate the facilitator every week so that no single person owns the process.""",
    """Viruses and bacteria both cause infections, but they are very different kinds of things. Bacteria are single-celled living organisms. They have their own metabolism, can grow and divide on their own, and many of them are harmless or even helpful, such as the bacteria in your gut that help digest food. Because they have their own cell walls and machinery, many bacterial infections can be treated with antibiotics, which target those structures.

Viruses are much smaller and are not cells at all. A virus is essentially a package of genetic material, DNA or RNA, wrapped in a protein coat. It cannot reproduce on its own; it has to enter a host cell and hijack that cell's machinery to make copies of itself. This is why antibiotics do not work against viruses like the ones that cause the flu or the common cold. Viral infections are prevented with vaccines and sometimes treated with antiviral drugs.""",
    """Great question! A bakery interview is usually friendly but practical, so prepare for both conversation and a possible hands-on test.

Before the interview, visit the bakery as a customer. Notice what they sell, how busy it gets and what the staff wear, and mention something you liked. Be ready to talk about early mornings: most bakeries start at 4 or 5 a.m., and the manager will want to know you can handle that schedule reliably.

Review the basics of food safety, such as hand washing, allergen labelling and keeping raw eggs away from finished products. If you have baked before, even at home, bring a few photos of your work. Some places ask candidates to shape dough or decorate a few cupcakes, so wear closed shoes and tie back long hair. Finally, prepare a question of your own, for example what a typical first week looks like.""",
)

INDEPENDENT = (
    """Indoor basil mostly fails for two reasons: too little light and too much water. Put the pot in the brightest spot you have, ideally a window that gets afternoon sun, and turn it every few days so it grows evenly. In winter a small grow lamp makes a big difference. Let the soil dry slightly between waterings and empty the saucer so the roots never sit in water. Feed it with a diluted liquid fertilizer about once a month in spring and summer. Harvest often by cutting stems back to just above a pair of side shoots, which encourages new growth, and pinch out any flower spikes you see.""",
    """When you take out a mortgage, the lender often sets up a separate account, called escrow or an impound account, to cover costs that come with owning the home. Property tax and insurance premiums are estimated for the year, divided by twelve and added to your monthly mortgage bill. The servicer holds the money and pays those bills directly. This protects the lender, since the house is its collateral, and it saves you from facing a large tax bill all at once. Your payment can change from year to year when the estimates are updated, and any shortage has to be made up while overpayments are returned to you.""",
    """For a first 10k, consistency matters more than speed. Aim to run three or four times a week for at least eight weeks beforehand, mixing easy runs with one slightly longer run that gradually approaches ten kilometres. Add short strides or hill repeats once your base feels solid. Sleep well and eat enough carbohydrates during training. On the morning of the race, arrive early, warm up with a few minutes of easy jogging, and line up towards the back so you are not pulled along too fast. Drink at the water stations if it is warm. Keep the first half comfortable and speed up only if you still feel strong after five kilometres.""",
    """Before paying for a second-hand bicycle, make sure it actually fits you: stand over it and check that you can reach the bars comfortably. Then look the bike over in good light. Cracked or heavily corroded frames are a deal breaker, particularly on carbon or aluminium. Test ride it if possible, listening for creaks, clicks or rubbing. Check that the brake pads have material left and that the wheels spin straight without wobbling. Worn tyres, cables and chains are cheap to replace but should lower the price. Ask the seller how long they owned it and whether they have a receipt, because a bargain price with no history may mean the bike was stolen.""",
    """In heating mode a heat pump works like a refrigerator running in reverse. Outside, a fan pulls air across an evaporator coil. The refrigerant inside is colder than the winter air, so it picks up heat and evaporates. An electric compressor raises the pressure of this vapour, and its temperature climbs well above room temperature. Inside the house the vapour condenses in another coil, releasing that heat into the air or into water for radiators and floor heating. The liquid then expands through a valve, cools down, and returns outside to collect more heat. Since the electricity only powers the pump and fans, the system usually delivers several times more heat than the energy it consumes, although it works harder in deep frost.""",
    """For a clean, balanced cup of pour-over, start with freshly roasted beans and grind them right before brewing, roughly as fine as table salt. A ratio of one part coffee to about sixteen parts water is a good starting point. Place a filter in the cone, wet it, and pour away the rinse water. Add the grounds, then pour a little water to let them bloom for half a minute. Continue pouring in slow spirals from the centre outward, never flooding the cone, and aim to finish pouring within two minutes. Taste and adjust one thing at a time: grind size, ratio or water temperature.""",
    """Cats knead because the behaviour starts when they are nursing: pressing on the mother's belly helps release milk, and the action stays associated with comfort for the rest of their lives. That is why a cat often purrs and kneads at the same time while settling down to rest. Kneading also spreads the scent from glands between the toes, a quiet way of saying that a place or a person belongs to them. Some experts think it is a leftover nesting instinct, flattening a spot before lying down. Unless it comes with signs of anxiety or injury, kneading is a healthy sign that your cat feels safe.""",
    """Small teams get the most out of retrospectives when they keep them focused. Pick a fixed slot, for example Friday afternoon, and cap it at an hour. Ask each person to bring one thing that helped the week and one thing that slowed them down. Spend most of the time on the blockers and look for causes rather than blame. Write every agreed change on a shared board, assign someone to it, and review the board at the start of the next session. Vary the questions occasionally so the meeting does not become stale, and make it safe to raise problems by having the team lead speak last.""",
    """A bacterium is a complete living cell: it takes in nutrients, produces energy and copies itself by splitting in two. Bacteria live almost everywhere, including on our skin and in our intestines, and only a small fraction make people sick. A virus, on the other hand, is far smaller and has no metabolism of its own. It consists of genes wrapped in a protein shell, and sometimes a fatty envelope, and it can only multiply inside the cells of another organism. This difference matters for treatment. Antibiotics attack features of bacterial cells, so they are useless against colds and flu, which are viral and are handled with rest, vaccines or antiviral medicine.""",
    """To get ready for a bakery interview, learn a bit about the shop first: its specialities, its opening hours and whether it bakes on site. Expect questions about reliability, teamwork and working under time pressure, since the morning rush leaves little room for mistakes. Show that you care about cleanliness and customer service, and be honest about your baking experience. If you have none, explain that you learn quickly and are happy to start with simple tasks such as weighing ingredients or washing trays. Dress neatly and practically, arrive a few minutes early, and thank the interviewer afterwards. Asking about the training you would receive shows genuine interest.""",
)
